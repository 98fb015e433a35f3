import { createHash, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ensurePkiEngine } from '@jitsuin/jpki';
import { contentTypeAttr, derSorted, messageDigestAttr, signingCertificateV2Attr } from './cms-attrs.js';
import type { Issuer } from './issue.js';
import { ab } from './pem.js';

/** An RFC 3161 time-stamping authority: request in, signed TimeStampResp out. */

const ID_CT_TSTINFO = '1.2.840.113549.1.9.16.1.4';
const ID_SIGNED_DATA = '1.2.840.113549.1.7.2';
const SHA256 = '2.16.840.1.101.3.4.2.1';

/** PKIFailureInfo bits (RFC 3161 2.4.2). */
const FAIL = { badAlg: 0, badRequest: 2, badDataFormat: 5, unacceptedPolicy: 15 } as const;

function rejection(bit: number, text: string): Buffer {
  const bytes = new Uint8Array((bit >> 3) + 1);
  bytes[bit >> 3] = 0x80 >> (bit & 7);
  const status = new pkijs.PKIStatusInfo({
    status: pkijs.PKIStatus.rejection,
    statusStrings: [new asn1js.Utf8String({ value: text })],
    failInfo: new asn1js.BitString({ valueHex: ab(bytes), unusedBits: 7 - (bit & 7) }),
  });
  return Buffer.from(new pkijs.TimeStampResp({ status }).toSchema().toBER(false));
}

export interface TsaConfig {
  signer: Issuer;
  /** Certificates to add after the TSA's own when the request asks for them. */
  chain: pkijs.Certificate[];
  policy: string;
  now: Date;
}

export async function timeStamp(der: Uint8Array, tsa: TsaConfig): Promise<Buffer> {
  ensurePkiEngine();
  let req: pkijs.TimeStampReq;
  try {
    const asn1 = asn1js.fromBER(der);
    if (asn1.offset === -1) return rejection(FAIL.badDataFormat, 'not a DER TimeStampReq');
    req = new pkijs.TimeStampReq({ schema: asn1.result });
  } catch {
    return rejection(FAIL.badDataFormat, 'not a TimeStampReq');
  }
  const imprint = req.messageImprint;
  if (imprint.hashAlgorithm.algorithmId !== SHA256 || imprint.hashedMessage.valueBlock.valueHexView.length !== 32) {
    return rejection(FAIL.badAlg, 'only SHA-256 message imprints are accepted');
  }
  if (req.reqPolicy && req.reqPolicy !== tsa.policy) return rejection(FAIL.unacceptedPolicy, `policy ${req.reqPolicy} is not offered; use ${tsa.policy}`);

  const cert = tsa.signer.cert;
  const tstInfo = new pkijs.TSTInfo({
    version: 1,
    policy: tsa.policy,
    messageImprint: imprint,
    serialNumber: new asn1js.Integer({ valueHex: ab(Buffer.concat([Buffer.from([0x01]), randomBytes(15)])) }),
    genTime: new Date(Math.floor(tsa.now.getTime() / 1000) * 1000),
    accuracy: new pkijs.Accuracy({ seconds: 1 }),
    ...(req.nonce ? { nonce: req.nonce } : {}),
    tsa: new pkijs.GeneralName({ type: 4, value: cert.subject }),
  });
  const tstDer = Buffer.from(tstInfo.toSchema().toBER(false));

  const signed = new pkijs.SignedData({
    version: 3,
    encapContentInfo: new pkijs.EncapsulatedContentInfo({ eContentType: ID_CT_TSTINFO, eContent: new asn1js.OctetString({ valueHex: ab(tstDer) }) }),
    signerInfos: [
      new pkijs.SignerInfo({
        version: 1,
        sid: new pkijs.IssuerAndSerialNumber({ issuer: cert.issuer, serialNumber: cert.serialNumber }),
        signedAttrs: new pkijs.SignedAndUnsignedAttributes({
          type: 0,
          attributes: derSorted([contentTypeAttr(ID_CT_TSTINFO), messageDigestAttr(createHash('sha256').update(tstDer).digest()), signingCertificateV2Attr(cert)]),
        }),
      }),
    ],
    ...(req.certReq ? { certificates: [cert, ...tsa.chain] } : {}),
  });
  await signed.sign(tsa.signer.key, 0, 'SHA-256');
  // pkijs turns eContent into a constructed (chunked) OCTET STRING, which is BER; strict
  // validators (pyHanko) require the DER form, a primitive OCTET STRING.
  signed.encapContentInfo.eContent = new asn1js.OctetString({ valueHex: ab(tstDer) });

  const resp = new pkijs.TimeStampResp({
    status: new pkijs.PKIStatusInfo({ status: pkijs.PKIStatus.granted }),
    timeStampToken: new pkijs.ContentInfo({ contentType: ID_SIGNED_DATA, content: signed.toSchema(true) }),
  });
  return Buffer.from(resp.toSchema().toBER(false));
}
