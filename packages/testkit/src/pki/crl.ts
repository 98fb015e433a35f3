import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ensurePkiEngine, REVOCATION_REASON_CODES, type RevocationReason } from '@jitsuin/jpki';
import { authorityKeyIdentifier, crlNumber, reasonCode } from './extensions.js';
import { certKeyId, certTime, type Issuer } from './issue.js';
import { ab } from './pem.js';

export interface CrlEntry {
  serial: string;
  reason: RevocationReason;
  at: Date;
}

/**
 * A v2 CRL signed by the CA, listing the entries revoked by `thisUpdate`. It carries the CA's
 * key identifier (the JPKI generations share a DN, so the name alone does not say which key
 * signed) and a CRL number that grows with the PKI's clock.
 */
export async function buildCrl(o: { ca: Issuer; entries: CrlEntry[]; thisUpdate: Date; nextUpdate: Date }): Promise<Buffer> {
  ensurePkiEngine();
  const crl = new pkijs.CertificateRevocationList();
  crl.version = 1;
  crl.issuer = o.ca.cert.subject;
  crl.thisUpdate = certTime(o.thisUpdate);
  crl.nextUpdate = certTime(o.nextUpdate);
  const entries = o.entries.filter((e) => e.at <= o.thisUpdate);
  if (entries.length > 0) {
    crl.revokedCertificates = entries.map((e) => {
      const code = REVOCATION_REASON_CODES[e.reason];
      return new pkijs.RevokedCertificate({
        userCertificate: new asn1js.Integer({ valueHex: ab(Buffer.from(e.serial, 'hex')) }),
        revocationDate: certTime(e.at),
        ...(code === 0 ? {} : { crlEntryExtensions: new pkijs.Extensions({ extensions: [reasonCode(code)] }) }),
      });
    });
  }
  crl.crlExtensions = new pkijs.Extensions({
    extensions: [authorityKeyIdentifier(certKeyId(o.ca.cert)), crlNumber(Math.floor(o.thisUpdate.getTime() / 1000))],
  });
  await crl.sign(o.ca.key, 'SHA-256');
  return Buffer.from(crl.toSchema().toBER(false));
}
