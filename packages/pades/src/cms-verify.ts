import { constants, createHash, verify } from 'node:crypto';
import type { Cert } from './certs.js';
import { children, isContext, readOid, readTlv, TAG } from '@jitsuin/der';
import { type PadesErrorCode, padesError } from './errors.js';
import { HASH_BY_OID, OID } from './oids.js';
import type { ParsedSignerInfo } from './signed-data.js';

/** Generic CMS checks of one SignerInfo against its certificate (used for timestamp tokens). */

type Hash = 'sha1' | 'sha256' | 'sha384' | 'sha512';

const SIG_HASH: Record<string, Hash | undefined> = {
  '1.2.840.113549.1.1.5': 'sha1',
  [OID.sha256WithRSAEncryption]: 'sha256',
  [OID.sha384WithRSAEncryption]: 'sha384',
  [OID.sha512WithRSAEncryption]: 'sha512',
  [OID.ecdsaWithSha256]: 'sha256',
  [OID.ecdsaWithSha384]: 'sha384',
  [OID.ecdsaWithSha512]: 'sha512',
};

function pssParams(algDer: Buffer): { hash: Hash; saltLength: number } {
  const parts = children(readTlv(algDer, 0, 'the RSASSA-PSS parameters'));
  const params = parts[1];
  let hash: Hash = 'sha1';
  let saltLength = 20;
  if (params && params.tag === TAG.sequence) {
    for (const p of children(params)) {
      if (isContext(p, 0)) {
        const alg = readOid(children(children(p)[0]!)[0]!, 'the RSASSA-PSS hash');
        hash = HASH_BY_OID[alg] ?? hash;
      } else if (isContext(p, 2)) {
        const n = children(p)[0]!.content;
        saltLength = n.readUIntBE(0, Math.min(n.length, 4));
      }
    }
  }
  return { hash, saltLength };
}

/**
 * Verifies the SignerInfo's signature over its signed attributes with `cert`, that the
 * message-digest attribute is the digest of `content`, and that a signing-certificate(-v2)
 * attribute, when present, names `cert`. Throws a PadesError with `code` saying what failed.
 */
export function verifySignerInfo(si: ParsedSignerInfo, cert: Cert, content: Buffer, what: string, code: PadesErrorCode, requireSigningCertificate = false): void {
  const bad = (message: string) => padesError('UNAVAILABLE', code, `${what}: ${message}`);
  const digestName = HASH_BY_OID[si.digestAlgorithm];
  if (!digestName) throw bad(`its digest algorithm ${si.digestAlgorithm} is not supported`);
  if (!si.signedAttrsDer) throw bad('it has no signed attributes');
  if (!si.messageDigest || !si.messageDigest.equals(createHash(digestName).update(content).digest())) throw bad('its message-digest does not match its content');
  const ids = si.signingCertificateV2?.certIds ?? si.signingCertificate?.certIds;
  if (ids?.[0]) {
    if (!ids[0].certHash.equals(createHash(ids[0].hash).update(cert.der).digest())) throw bad('its signing-certificate attribute names another certificate than the one that signed');
  } else if (requireSigningCertificate) {
    throw bad('it has no signing-certificate attribute binding the signer certificate');
  }
  const ok = verifyWithAlgorithm(si.signatureAlgorithmDer, si.signedAttrsDer, cert, si.signatureValue, digestName);
  if (ok === undefined) throw bad(`its signature algorithm ${si.signatureAlgorithm} is not supported`);
  if (!ok) throw bad('its signature does not verify with its certificate');
}

/** A GeneralizedTime ("YYYYMMDDHHMMSS[.fff]Z") as a Date. */
export function parseGeneralizedTime(content: Buffer, what: string): Date {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(?:[.,](\d+))?Z$/.exec(content.toString('latin1'));
  if (!m) throw padesError('UNAVAILABLE', 'TSA_BAD_TOKEN', `${what} is not a GeneralizedTime in UTC`);
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]), ms));
}

/**
 * Verifies `signature` over `data` with the certificate's key under the AlgorithmIdentifier
 * `algDer` (RSA PKCS#1 v1.5, RSASSA-PSS, ECDSA). rsaEncryption alone (as CMS allows) uses
 * `digestForRsaEncryption`. Undefined when the algorithm is not supported; false when it fails.
 */
export function verifyWithAlgorithm(algDer: Buffer, data: Buffer, cert: Cert, signature: Buffer, digestForRsaEncryption?: Hash): boolean | undefined {
  const alg = readOid(children(readTlv(algDer, 0, 'the signature algorithm'))[0]!, 'the signature algorithm');
  try {
    if (alg === OID.rsassaPss) {
      const { hash, saltLength } = pssParams(algDer);
      return verify(hash, data, { key: cert.publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength }, signature);
    }
    if (alg === OID.rsaEncryption) {
      return digestForRsaEncryption ? verify(digestForRsaEncryption, data, { key: cert.publicKey, padding: constants.RSA_PKCS1_PADDING }, signature) : undefined;
    }
    const hash = SIG_HASH[alg];
    if (!hash) return undefined;
    return verify(hash, data, cert.publicKey, signature);
  } catch {
    return false;
  }
}
