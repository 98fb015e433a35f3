import { createHash } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ensurePkiEngine, REVOCATION_REASON_CODES, type RevocationReason } from '@jitsuin/jpki';
import { certKeyId, type Issuer } from './issue.js';

/** RFC 6960 responder pieces: parse a request, find the CA a CertID names, build a signed response. */

export const OCSP_NONCE = '1.3.6.1.5.5.7.48.1.2';
const OCSP_BASIC = '1.3.6.1.5.5.7.48.1.1';

export const OCSP_STATUS = { successful: 0, malformedRequest: 1, internalError: 2, tryLater: 3, sigRequired: 5, unauthorized: 6 } as const;

export interface ParsedOcspRequest {
  certIds: pkijs.CertID[];
  /** The nonce extension as sent, echoed unchanged. */
  nonce?: pkijs.Extension;
}

/** Undefined when the bytes are not an OCSPRequest (the caller answers malformedRequest). */
export function parseOcspRequest(der: Uint8Array): ParsedOcspRequest | undefined {
  const asn1 = asn1js.fromBER(der);
  if (asn1.offset === -1) return undefined;
  try {
    const req = new pkijs.OCSPRequest({ schema: asn1.result });
    const certIds = req.tbsRequest.requestList.map((r) => r.reqCert);
    if (certIds.length === 0) return undefined;
    return { certIds, nonce: req.tbsRequest.requestExtensions?.find((e) => e.extnID === OCSP_NONCE) };
  } catch {
    return undefined;
  }
}

const HASHES: Record<string, string> = { '1.3.14.3.2.26': 'sha1', '2.16.840.1.101.3.4.2.1': 'sha256', '2.16.840.1.101.3.4.2.2': 'sha384', '2.16.840.1.101.3.4.2.3': 'sha512' };

/** Whether a CertID names this CA: issuer name hash and key hash, in the CertID's own hash. */
export function certIdMatches(id: pkijs.CertID, ca: pkijs.Certificate): boolean {
  const alg = HASHES[id.hashAlgorithm.algorithmId];
  if (!alg) return false;
  const nameHash = createHash(alg).update(new Uint8Array(ca.subject.toSchema().toBER(false))).digest();
  const keyHash = createHash(alg).update(ca.subjectPublicKeyInfo.subjectPublicKey.valueBlock.valueHexView).digest();
  return nameHash.equals(id.issuerNameHash.valueBlock.valueHexView) && keyHash.equals(id.issuerKeyHash.valueBlock.valueHexView);
}

export function certIdSerial(id: pkijs.CertID): string {
  return Buffer.from(id.serialNumber.valueBlock.valueHexView).toString('hex').toUpperCase();
}

export type OcspCertStatus = { kind: 'good' } | { kind: 'revoked'; at: Date; reason: RevocationReason } | { kind: 'unknown' };

const whole = (d: Date) => new Date(Math.floor(d.getTime() / 1000) * 1000);

function certStatus(s: OcspCertStatus): asn1js.BaseBlock {
  switch (s.kind) {
    case 'good':
      return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 0 } });
    case 'unknown':
      return new asn1js.Primitive({ idBlock: { tagClass: 3, tagNumber: 2 } });
    case 'revoked':
      // [1] IMPLICIT RevokedInfo { revocationTime, revocationReason [0] EXPLICIT CRLReason }
      return new asn1js.Constructed({
        idBlock: { tagClass: 3, tagNumber: 1 },
        value: [
          new asn1js.GeneralizedTime({ valueDate: whole(s.at) }),
          new asn1js.Constructed({ idBlock: { tagClass: 3, tagNumber: 0 }, value: [new asn1js.Enumerated({ value: REVOCATION_REASON_CODES[s.reason] })] }),
        ],
      });
  }
}

export interface OcspAnswer {
  certId: pkijs.CertID;
  status: OcspCertStatus;
}

/** A successful response with a BasicOCSPResponse signed by `signer` (responderID by key hash). */
export async function buildOcspResponse(o: {
  answers: OcspAnswer[];
  signer: Issuer;
  certs: pkijs.Certificate[];
  producedAt: Date;
  thisUpdate: Date;
  nextUpdate: Date;
  nonce?: pkijs.Extension;
}): Promise<Buffer> {
  ensurePkiEngine();
  const basic = new pkijs.BasicOCSPResponse();
  basic.tbsResponseData.responderID = new asn1js.OctetString({ valueHex: certKeyId(o.signer.cert) });
  basic.tbsResponseData.producedAt = whole(o.producedAt);
  basic.tbsResponseData.responses = o.answers.map(
    (a) => new pkijs.SingleResponse({ certID: a.certId, certStatus: certStatus(a.status), thisUpdate: whole(o.thisUpdate), nextUpdate: whole(o.nextUpdate) }),
  );
  if (o.nonce) basic.tbsResponseData.responseExtensions = [o.nonce];
  if (o.certs.length > 0) basic.certs = o.certs;
  await basic.sign(o.signer.key, 'SHA-256');
  const response = new pkijs.OCSPResponse({
    responseStatus: new asn1js.Enumerated({ value: OCSP_STATUS.successful }),
    responseBytes: new pkijs.ResponseBytes({ responseType: OCSP_BASIC, response: new asn1js.OctetString({ valueHex: basic.toSchema().toBER(false) }) }),
  });
  return Buffer.from(response.toSchema().toBER(false));
}

/** An unsuccessful response: only a status, no signature (RFC 6960 2.3). */
export function ocspStatusOnly(status: number): Buffer {
  return Buffer.from(new pkijs.OCSPResponse({ responseStatus: new asn1js.Enumerated({ value: status }) }).toSchema().toBER(false));
}
