import { createHash } from 'node:crypto';
import { type Attribute, checkSignedAttributes, parseAttributes } from './attributes.js';
import { type Cert, type CertificateBytes, parseCert, uniqueCerts } from './certs.js';
import { algorithm, children, explicit, expectTag, isContext, octets, oid, readOid, readTlv, retag, seq, set, setOf, smallInt, TAG, type Tlv } from '@jitsuin/der';
import { padesError } from './errors.js';
import { LIMITS } from './limits.js';
import { HASH_BY_OID, OID } from './oids.js';
import { verifyRawSignature } from './raw-signature.js';

/**
 * Step 3: the CMS SignedData, detached (no eContent), with exactly one SignerInfo identified by
 * issuerAndSerialNumber, digest SHA-256 and signature algorithm sha256WithRSAEncryption (what
 * pyHanko writes; openssl, poppler/NSS and pyHanko all accept it, see the package README).
 * The signed attributes go in as the exact bytes the signature covers, only their SET tag
 * replaced by [0] IMPLICIT.
 */

export interface UnsignedAttributeInput {
  type: string;
  /** Each value's DER. */
  values: Uint8Array[];
}

export interface AssembleInput {
  /** DER SET from buildSignedAttributes (the bytes the signature covers). */
  signedAttrsDer: Uint8Array;
  /** Raw RSA PKCS#1 v1.5 signature value (modulus length). */
  signatureValue: Uint8Array;
  signerCertificate: CertificateBytes;
  /** The rest of the chain (issuers, optionally the root); repeats and the signer's own are dropped. */
  certificates?: CertificateBytes[];
  unsignedAttributes?: UnsignedAttributeInput[];
}

const SHA256_ALG = algorithm(OID.sha256);
const SIGNATURE_ALG = algorithm(OID.sha256WithRSAEncryption, true);

function certificateSet(certs: Cert[]): Buffer {
  if (certs.length > LIMITS.certificates) {
    throw padesError('INVALID_ARGUMENT', 'TOO_LARGE', `${certs.length} certificates is more than the ${LIMITS.certificates} a signature may carry`);
  }
  // [0] IMPLICIT SET OF Certificate; signer first (BER allows any order, and some verifiers look first).
  return retag(set(...certs.map((c) => c.der)), 0xa0);
}

interface SignerInfoParts {
  version: number;
  sid: Buffer;
  digestAlgorithm: Buffer;
  signedAttrs?: Buffer;
  signatureAlgorithm: Buffer;
  signature: Buffer;
  unsignedAttrs?: Buffer[];
}

function encodeSignerInfo(p: SignerInfoParts): Buffer {
  return seq(
    smallInt(p.version),
    p.sid,
    p.digestAlgorithm,
    ...(p.signedAttrs ? [retag(p.signedAttrs, 0xa0)] : []),
    p.signatureAlgorithm,
    octets(p.signature),
    ...(p.unsignedAttrs && p.unsignedAttrs.length > 0 ? [retag(setOf(p.unsignedAttrs), 0xa1)] : []),
  );
}

interface SignedDataParts {
  version: number;
  digestAlgorithms: Buffer;
  encapContentInfo: Buffer;
  certificates?: Buffer;
  crls?: Buffer;
  signerInfos: Buffer[];
}

function encodeContentInfo(p: SignedDataParts): Buffer {
  const signedData = seq(smallInt(p.version), p.digestAlgorithms, p.encapContentInfo, ...(p.certificates ? [p.certificates] : []), ...(p.crls ? [p.crls] : []), set(...p.signerInfos));
  return seq(oid(OID.signedData), explicit(0, signedData));
}

const encodeUnsigned = (attrs: UnsignedAttributeInput[] = []) => attrs.map((a) => seq(oid(a.type), setOf(a.values)));

/** Builds the DER without checking the signature (size estimates use it with placeholder values). */
export function encodeDetachedSignedData(o: {
  signedAttrsDer: Buffer;
  contentType: string;
  signatureValue: Uint8Array;
  signer: Cert;
  chain: Cert[];
  unsignedAttributes?: UnsignedAttributeInput[];
}): Buffer {
  const certs = uniqueCerts([o.signer, ...o.chain]);
  const signerInfo = encodeSignerInfo({
    version: 1,
    sid: seq(o.signer.issuerDer, o.signer.serialDer),
    digestAlgorithm: SHA256_ALG,
    signedAttrs: o.signedAttrsDer,
    signatureAlgorithm: SIGNATURE_ALG,
    signature: Buffer.from(o.signatureValue),
    unsignedAttrs: encodeUnsigned(o.unsignedAttributes),
  });
  return encodeContentInfo({
    // RFC 5652 5.1: 1 when the content is id-data and every SignerInfo is v1; else 3.
    version: o.contentType === OID.data ? 1 : 3,
    digestAlgorithms: set(SHA256_ALG),
    encapContentInfo: seq(oid(o.contentType)),
    certificates: certificateSet(certs),
    signerInfos: [signerInfo],
  });
}

/**
 * Assembles the detached SignedData (as a ContentInfo) after checking the signature value with
 * the certificate (verifyRawSignature) and that the signed attributes were prepared for this very
 * certificate (signing-certificate-v2).
 */
export function assembleSignedData(input: AssembleInput): Buffer {
  const attrsDer = checkSignedAttributes(input.signedAttrsDer);
  const signer = parseCert(input.signerCertificate, "the signer's certificate");
  const attrs = parseAttributes(attrsDer, 'the signed attributes');
  const essIds = attrs.filter((a) => a.type === OID.signingCertificateV2).flatMap((a) => a.values.flatMap((v) => parseEssCertIds(v, 'v2')));
  if (essIds.length > 0 && !essIds[0]!.certHash.equals(createHash(essIds[0]!.hash).update(signer.der).digest())) {
    throw padesError('INVALID_ARGUMENT', 'KEY_CERTIFICATE_MISMATCH', 'the signed attributes were prepared for another certificate than the one given: prepare the signature again with this certificate');
  }
  verifyRawSignature(attrsDer, input.signatureValue, signer);
  const chain = (input.certificates ?? []).map((c, i) => parseCert(c, `certificate ${i + 1} of the chain`));
  const contentType = readOid(readTlv(attrs.find((a) => a.type === OID.contentType)!.values[0]!), 'the content-type attribute');
  return encodeDetachedSignedData({ signedAttrsDer: attrsDer, contentType, signatureValue: input.signatureValue, signer, chain, unsignedAttributes: input.unsignedAttributes });
}

// ---------------------------------------------------------------------------------------------
// Parsing

export interface EssCertId {
  /** node's hash name: sha256 for v2 by default, sha1 for v1. */
  hash: 'sha1' | 'sha256' | 'sha384' | 'sha512';
  certHash: Buffer;
  /** issuerSerial's GeneralNames element and serial INTEGER element, when present. */
  issuerSerial?: { generalNamesDer: Buffer; serialDer: Buffer };
}

/** The ESSCertID(v2) entries of a signing-certificate(-v2) attribute value. */
export function parseEssCertIds(value: Buffer, version: 'v1' | 'v2'): EssCertId[] {
  const what = `the signing-certificate${version === 'v2' ? '-v2' : ''} attribute`;
  const [certs] = children(expectTag(readTlv(value, 0, what), TAG.sequence, what), what);
  return children(expectTag(certs, TAG.sequence, what), what).map((id) => {
    const parts = children(expectTag(id, TAG.sequence, what), what);
    let i = 0;
    let hash: EssCertId['hash'] = version === 'v2' ? 'sha256' : 'sha1';
    if (version === 'v2' && parts[0]?.tag === TAG.sequence) {
      const alg = readOid(children(parts[i++]!, what)[0]!, what);
      const name = HASH_BY_OID[alg];
      if (!name) throw padesError('INVALID_ARGUMENT', 'BAD_DER', `${what} uses an unknown hash algorithm ${alg}`);
      hash = name;
    }
    const certHash = Buffer.from(expectTag(parts[i++], TAG.octetString, what).content);
    const is = parts[i];
    let issuerSerial: EssCertId['issuerSerial'];
    if (is) {
      const [names, serial] = children(expectTag(is, TAG.sequence, what), what);
      issuerSerial = { generalNamesDer: Buffer.from(expectTag(names, TAG.sequence, what).bytes), serialDer: Buffer.from(expectTag(serial, TAG.integer, what).bytes) };
    }
    return { hash, certHash, ...(issuerSerial ? { issuerSerial } : {}) };
  });
}

export interface ParsedSignerInfo {
  version: number;
  /** issuerAndSerialNumber (issuer Name and serial INTEGER elements), or subjectKeyIdentifier. */
  sid: { issuerDer: Buffer; serialDer: Buffer } | { subjectKeyIdentifier: Buffer };
  digestAlgorithm: string;
  /** The signed attributes as the DER SET the signature covers ([0] tag replaced by SET), if any. */
  signedAttrsDer?: Buffer;
  signedAttributes: Attribute[];
  /** message-digest attribute value (the OCTET STRING's content). */
  messageDigest?: Buffer;
  contentType?: string;
  /** The signing-certificate-v2 attribute: its value's DER and its entries. */
  signingCertificateV2?: { der: Buffer; certIds: EssCertId[] };
  /** The older signing-certificate (v1, SHA-1) attribute, as TSAs may still write it. */
  signingCertificate?: { der: Buffer; certIds: EssCertId[] };
  signatureAlgorithm: string;
  signatureAlgorithmDer: Buffer;
  signatureValue: Buffer;
  unsignedAttributes: Attribute[];
  /** DER of every id-aa-signatureTimeStampToken value (a TimeStampToken ContentInfo each). */
  signatureTimestampTokens: Buffer[];
  /** The whole SignerInfo element. */
  der: Buffer;
}

export interface ParsedSignedData {
  version: number;
  digestAlgorithms: string[];
  /** eContentType. */
  contentType: string;
  /** The encapsulated content (absent for a detached signature). */
  eContent?: Buffer;
  certificates: Buffer[];
  /** RevocationInfoChoices, raw (CRLs inside the CMS; PAdES keeps them in the DSS instead). */
  crls: Buffer[];
  signerInfoCount: number;
  signerInfos: ParsedSignerInfo[];
  /** The first SignerInfo (PAdES has exactly one). */
  signerInfo: ParsedSignerInfo;
  /** Short-hands for the first SignerInfo, as verifiers and tests use them. */
  signedAttrsDer?: Buffer;
  messageDigest?: Buffer;
  signingCertificateV2?: { der: Buffer; certIds: EssCertId[] };
  signatureValue: Buffer;
  signatureTimestampToken?: Buffer;
  /** Length of the DER (a PDF /Contents is zero-padded after it). */
  length: number;
  /** Raw pieces for re-assembly. */
  raw: { version: Buffer; digestAlgorithms: Buffer; encapContentInfo: Buffer; certificates?: Buffer; crls?: Buffer };
}

function intValue(t: Tlv, what: string): number {
  if (t.content.length === 0 || t.content.length > 4) throw padesError('INVALID_ARGUMENT', 'BAD_DER', `${what} has a malformed version number`);
  return t.content.readIntBE(0, t.content.length);
}

function octetContent(t: Tlv | undefined, what: string): Buffer {
  // BER allows a constructed OCTET STRING (0x24, in chunks; pkijs writes eContent so); join them.
  if (t && t.cls === 0 && t.tagNumber === 4 && t.constructed) return Buffer.concat(children(t, what).map((c) => octetContent(c, what)));
  return Buffer.from(expectTag(t, TAG.octetString, what).content);
}

function parseSignerInfo(t: Tlv): ParsedSignerInfo {
  const what = 'the SignerInfo';
  const parts = children(expectTag(t, TAG.sequence, what), what);
  let i = 0;
  const version = intValue(expectTag(parts[i++], TAG.integer, what), what);
  const sidTlv = parts[i++];
  let sid: ParsedSignerInfo['sid'];
  if (isContext(sidTlv, 0)) {
    sid = { subjectKeyIdentifier: Buffer.from(sidTlv.content) };
  } else {
    const [issuer, serial] = children(expectTag(sidTlv, TAG.sequence, what), what);
    sid = { issuerDer: Buffer.from(expectTag(issuer, TAG.sequence, what).bytes), serialDer: Buffer.from(expectTag(serial, TAG.integer, what).bytes) };
  }
  const digestAlgorithm = readOid(children(expectTag(parts[i++], TAG.sequence, what), what)[0]!, what);
  let signedAttrsDer: Buffer | undefined;
  if (isContext(parts[i], 0)) {
    const s = parts[i++]!;
    if (s.indefinite) throw padesError('INVALID_ARGUMENT', 'BAD_DER', 'the signed attributes use an indefinite length; they must be DER');
    signedAttrsDer = retag(s.bytes, TAG.set);
  }
  const sigAlg = expectTag(parts[i++], TAG.sequence, what);
  const signatureAlgorithm = readOid(children(sigAlg, what)[0]!, what);
  const signatureValue = octetContent(parts[i++], what);
  let unsignedAttributes: Attribute[] = [];
  if (isContext(parts[i], 1)) unsignedAttributes = parseAttributes(Buffer.from(parts[i++]!.bytes), 'the unsigned attributes');
  const signedAttributes = signedAttrsDer ? parseAttributes(signedAttrsDer, 'the signed attributes') : [];
  const one = (type: string) => {
    const found = signedAttributes.filter((a) => a.type === type);
    if (found.length > 1 || (found[0] && found[0].values.length !== 1)) {
      throw padesError('INVALID_ARGUMENT', 'BAD_DER', `the signed attributes hold ${type} more than once`);
    }
    return found[0]?.values[0];
  };
  const md = one(OID.messageDigest);
  const ct = one(OID.contentType);
  const scv2 = one(OID.signingCertificateV2);
  const scv1 = one(OID.signingCertificate);
  return {
    version,
    sid,
    digestAlgorithm,
    ...(signedAttrsDer ? { signedAttrsDer } : {}),
    signedAttributes,
    ...(md ? { messageDigest: octetContent(readTlv(md, 0, 'the message-digest'), 'the message-digest') } : {}),
    ...(ct ? { contentType: readOid(readTlv(ct, 0, 'the content-type'), 'the content-type') } : {}),
    ...(scv2 ? { signingCertificateV2: { der: scv2, certIds: parseEssCertIds(scv2, 'v2') } } : {}),
    ...(scv1 ? { signingCertificate: { der: scv1, certIds: parseEssCertIds(scv1, 'v1') } } : {}),
    signatureAlgorithm,
    signatureAlgorithmDer: Buffer.from(sigAlg.bytes),
    signatureValue,
    unsignedAttributes,
    signatureTimestampTokens: unsignedAttributes.filter((a) => a.type === OID.signatureTimeStampToken).flatMap((a) => a.values),
    der: Buffer.from(t.bytes),
  };
}

/**
 * Parses a CMS ContentInfo(SignedData), DER or BER. Zero bytes after it are allowed (a PDF's
 * /Contents is padded with them); anything else after it is an error.
 */
export function parseSignedData(input: Uint8Array, what = 'the CMS signature'): ParsedSignedData {
  const der = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  if (der.length > LIMITS.signedDataBytes) {
    throw padesError('INVALID_ARGUMENT', 'TOO_LARGE', `${what} is ${der.length} bytes; more than ${LIMITS.signedDataBytes} is refused`);
  }
  const top = readTlv(der, 0, what);
  for (let k = top.bytes.length; k < der.length; k++) {
    if (der[k] !== 0) throw padesError('INVALID_ARGUMENT', 'BAD_DER', `${what} is followed by ${der.length - top.bytes.length} bytes that are not zero padding`);
  }
  const [type, wrapped] = children(expectTag(top, TAG.sequence, what), what);
  if (readOid(type!, what) !== OID.signedData) throw padesError('INVALID_ARGUMENT', 'BAD_DER', `${what} is a ContentInfo of another type than SignedData`);
  if (!isContext(wrapped, 0)) throw padesError('INVALID_ARGUMENT', 'BAD_DER', `${what} has no content`);
  const [sd] = children(wrapped, what);
  const parts = children(expectTag(sd, TAG.sequence, what), what);
  let i = 0;
  const versionTlv = expectTag(parts[i++], TAG.integer, what);
  const digestAlgs = expectTag(parts[i++], TAG.set, what);
  const encap = expectTag(parts[i++], TAG.sequence, what);
  const [eType, eWrapped] = children(encap, what);
  const contentType = readOid(eType!, what);
  const eContent = isContext(eWrapped, 0) ? octetContent(children(eWrapped, what)[0], what) : undefined;
  let certificates: Tlv | undefined;
  let crls: Tlv | undefined;
  if (isContext(parts[i], 0)) certificates = parts[i++];
  if (isContext(parts[i], 1)) crls = parts[i++];
  const signerInfosTlv = expectTag(parts[i++], TAG.set, what);
  const certs = certificates ? children(certificates, what).map((c) => Buffer.from(c.bytes)) : [];
  if (certs.length > LIMITS.certificates) throw padesError('INVALID_ARGUMENT', 'TOO_LARGE', `${what} carries ${certs.length} certificates; more than ${LIMITS.certificates} is refused`);
  const signerInfos = children(signerInfosTlv, what).map(parseSignerInfo);
  const first = signerInfos[0];
  if (!first) throw padesError('INVALID_ARGUMENT', 'BAD_DER', `${what} has no SignerInfo`);
  return {
    version: intValue(versionTlv, what),
    digestAlgorithms: children(digestAlgs, what).map((a) => readOid(children(a, what)[0]!, what)),
    contentType,
    ...(eContent ? { eContent } : {}),
    certificates: certs,
    crls: crls ? children(crls, what).map((c) => Buffer.from(c.bytes)) : [],
    signerInfoCount: signerInfos.length,
    signerInfos,
    signerInfo: first,
    ...(first.signedAttrsDer ? { signedAttrsDer: first.signedAttrsDer } : {}),
    ...(first.messageDigest ? { messageDigest: first.messageDigest } : {}),
    ...(first.signingCertificateV2 ? { signingCertificateV2: first.signingCertificateV2 } : {}),
    signatureValue: first.signatureValue,
    ...(first.signatureTimestampTokens[0] ? { signatureTimestampToken: first.signatureTimestampTokens[0] } : {}),
    length: top.bytes.length,
    raw: {
      version: Buffer.from(versionTlv.bytes),
      digestAlgorithms: Buffer.from(digestAlgs.bytes),
      encapContentInfo: Buffer.from(encap.bytes),
      ...(certificates ? { certificates: Buffer.from(certificates.bytes) } : {}),
      ...(crls ? { crls: Buffer.from(crls.bytes) } : {}),
    },
  };
}

/** The certificate a SignerInfo names (issuerAndSerialNumber or subjectKeyIdentifier), from `certs`. */
export function findSignerCertificate(si: ParsedSignerInfo, certs: Buffer[]): Cert | undefined {
  for (const der of certs) {
    let c: Cert;
    try {
      c = parseCert(der);
    } catch {
      continue;
    }
    if ('issuerDer' in si.sid) {
      if (c.issuerDer.equals(si.sid.issuerDer) && c.serialDer.equals(si.sid.serialDer)) return c;
    } else {
      const ski = c.extensions.get('2.5.29.14');
      if (ski && readTlv(ski.value, 0, 'the subject key identifier').content.equals(si.sid.subjectKeyIdentifier)) return c;
    }
  }
  return undefined;
}

/**
 * A new SignedData with `attributes` added to the (single) SignerInfo's unsigned attributes.
 * Everything the signature covers, and everything else, is carried over byte for byte.
 */
export function addUnsignedAttributes(signedDataDer: Uint8Array, attributes: UnsignedAttributeInput[]): Buffer {
  const parsed = parseSignedData(signedDataDer);
  if (parsed.signerInfoCount !== 1) {
    throw padesError('INVALID_ARGUMENT', 'BAD_DER', `the signature has ${parsed.signerInfoCount} SignerInfos; a PAdES signature has exactly one`);
  }
  const si = parsed.signerInfo;
  const siParts = children(readTlv(si.der, 0, 'the SignerInfo'), 'the SignerInfo');
  // Only the unsigned attributes are [1] in a SignerInfo.
  const kept = siParts.filter((p) => !(p.cls === 2 && p.tagNumber === 1));
  const signerInfo = seq(...kept.map((p) => p.bytes), retag(setOf([...si.unsignedAttributes.map((a) => a.der), ...encodeUnsigned(attributes)]), 0xa1));
  const signedData = seq(
    parsed.raw.version,
    parsed.raw.digestAlgorithms,
    parsed.raw.encapContentInfo,
    ...(parsed.raw.certificates ? [parsed.raw.certificates] : []),
    ...(parsed.raw.crls ? [parsed.raw.crls] : []),
    set(signerInfo),
  );
  return seq(oid(OID.signedData), explicit(0, signedData));
}
