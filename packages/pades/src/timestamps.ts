import { createHash, randomBytes } from 'node:crypto';
import { type Cert, type CertificateBytes, parseCert } from './certs.js';
import { parseGeneralizedTime, verifySignerInfo } from './cms-verify.js';
import { algorithm, children, expectTag, octets, oid, readOid, readOne, seq, smallInt, TAG, tlv, uint } from '@jitsuin/der';
import { PadesError, padesError } from './errors.js';
import { httpExchange } from './http.js';
import { LIMITS } from './limits.js';
import { OID } from './oids.js';
import { addUnsignedAttributes, findSignerCertificate, parseSignedData } from './signed-data.js';

/**
 * RFC 3161 timestamps: the signature timestamp of B-T (over the SignerInfo's signature value,
 * ETSI EN 319 122-1 5.3) and the document timestamp of B-LTA (over the ByteRange, SubFilter
 * ETSI.RFC3161). The reply is checked before it is used: granted, our nonce, our imprint, the
 * token's CMS signature, and a TSA certificate with the one critical EKU timeStamping.
 */

/** What a timestamp is over: bytes to hash with SHA-256, or the SHA-256 digest itself. */
export type TimestampSubject = Uint8Array | { data: Uint8Array } | { sha256: Uint8Array };

export interface TimestampOptions {
  /** The nonce to send (big-endian bytes); default 8 random bytes; `false` sends none. */
  nonce?: Uint8Array | false;
  /** Ask the TSA to include its certificate (default true: verifiers need it). */
  certReq?: boolean;
  /** A TSA policy OID to ask for. */
  policy?: string;
  timeoutMs?: number;
  maxBytes?: number;
  /** TSA certificates to use when the token carries none (certReq false). */
  tsaCertificates?: CertificateBytes[];
}

export interface Timestamp {
  /** DER of the TimeStampToken (a ContentInfo with SignedData over TSTInfo). */
  token: Buffer;
  genTime: Date;
  /** TSTInfo serialNumber, hex. */
  serialNumber: string;
  policy: string;
  /** The SHA-256 imprint the token is over. */
  imprint: Buffer;
  nonce?: Buffer;
  /** DER of the TSA's signing certificate. */
  tsaCertificate: Buffer;
  /** DER of every certificate the token carries. */
  certificates: Buffer[];
}

function imprintOf(subject: TimestampSubject): Buffer {
  if (subject instanceof Uint8Array) return createHash('sha256').update(subject).digest();
  if ('data' in subject) return createHash('sha256').update(subject.data).digest();
  if (subject.sha256.length !== 32) throw padesError('INVALID_ARGUMENT', 'BAD_DER', `a SHA-256 digest is 32 bytes, not ${subject.sha256.length}`);
  return Buffer.from(subject.sha256);
}

/** INTEGER content without sign/leading zero bytes, for comparing nonces and serials. */
const magnitude = (b: Buffer) => {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0) i++;
  return b.subarray(i);
};

/** DER TimeStampReq (RFC 3161 2.4.1) for a SHA-256 imprint. */
export function buildTimestampRequest(imprint: Uint8Array, o: { nonce?: Uint8Array; certReq?: boolean; policy?: string } = {}): Buffer {
  return seq(
    smallInt(1),
    seq(algorithm(OID.sha256), octets(imprint)),
    ...(o.policy ? [oid(o.policy)] : []),
    ...(o.nonce ? [uint(o.nonce)] : []),
    ...(o.certReq ? [tlv(TAG.boolean, Buffer.from([0xff]))] : []),
  );
}

const FAILURE_INFO = ['badAlg', '', 'badRequest', '', '', 'badDataFormat', '', '', '', '', '', '', '', '', 'timeNotAvailable', 'unacceptedPolicy', 'unacceptedExtension', 'addInfoNotAvailable', '', '', '', '', '', '', '', 'systemFailure'];
const STATUS = ['granted', 'grantedWithMods', 'rejection', 'waiting', 'revocationWarning', 'revocationNotification'];

/** The token out of a TimeStampResp, or a TSA_REJECTED error with the TSA's own words. */
export function tokenFromResponse(reply: Buffer, what = 'the timestamp authority'): Buffer {
  try {
    return readReply(reply, what);
  } catch (err) {
    if (err instanceof PadesError && err.code !== 'BAD_DER') throw err;
    throw padesError('UNAVAILABLE', 'TSA_BAD_TOKEN', `${what} sent an answer that is not a timestamp reply (${err instanceof Error ? err.message : String(err)})`, err);
  }
}

function readReply(reply: Buffer, what: string): Buffer {
  const parts = children(expectTag(readOne(reply, 'the timestamp reply'), TAG.sequence, 'the timestamp reply'), 'the timestamp reply');
  const statusInfo = children(expectTag(parts[0], TAG.sequence, 'the PKIStatusInfo'));
  const statusInt = expectTag(statusInfo[0], TAG.integer, 'the PKIStatus').content;
  const status = statusInt.length === 1 ? statusInt[0]! : -1;
  if (status !== 0 && status !== 1) {
    const texts = statusInfo
      .filter((t) => t.tag === TAG.sequence)
      .flatMap((s) => children(s).map((u) => u.content.toString('utf8')));
    const bits = statusInfo.find((t) => t.tag === TAG.bitString);
    const failures: string[] = [];
    if (bits) {
      const bytes = bits.content.subarray(1);
      for (let i = 0; i < bytes.length * 8; i++) if (bytes[i >> 3]! & (0x80 >> (i & 7))) failures.push(FAILURE_INFO[i] || `failure bit ${i}`);
    }
    const detail = [...failures, ...texts].join('; ');
    throw padesError('UNAVAILABLE', 'TSA_REJECTED', `${what} refused the timestamp (${STATUS[status] ?? `status ${status}`}${detail ? `: ${detail}` : ''})`);
  }
  const token = parts[1];
  if (!token) throw padesError('UNAVAILABLE', 'TSA_BAD_TOKEN', `${what} granted the timestamp but sent no token`);
  return Buffer.from(token.bytes);
}

/**
 * Checks a TimeStampToken: a SignedData over TSTInfo whose imprint is `expected.imprint` (SHA-256)
 * and whose nonce, if `expected.nonce`, is ours; signed by a certificate it carries (or one of
 * `tsaCertificates`) that has exactly the EKU timeStamping, critical (RFC 3161 2.3), bound by a
 * signing-certificate(-v2) attribute; genTime inside that certificate's validity. Chain and
 * revocation of the TSA certificate are the verifier's (trust anchors live there).
 */
export function verifyTimestampToken(tokenDer: Uint8Array, expected: { imprint?: Uint8Array; nonce?: Uint8Array; tsaCertificates?: CertificateBytes[] } = {}): Timestamp {
  try {
    return checkToken(tokenDer, expected);
  } catch (err) {
    if (err instanceof PadesError && err.code !== 'BAD_DER') throw err;
    throw padesError('UNAVAILABLE', 'TSA_BAD_TOKEN', `the timestamp token cannot be read (${err instanceof Error ? err.message : String(err)})`, err);
  }
}

function checkToken(tokenDer: Uint8Array, expected: { imprint?: Uint8Array; nonce?: Uint8Array; tsaCertificates?: CertificateBytes[] }): Timestamp {
  const token = Buffer.from(tokenDer.buffer, tokenDer.byteOffset, tokenDer.byteLength);
  const what = 'the timestamp token';
  const bad = (m: string) => padesError('UNAVAILABLE', 'TSA_BAD_TOKEN', `${what} ${m}`);
  if (token.length > LIMITS.timestampBytes) throw padesError('INVALID_ARGUMENT', 'TOO_LARGE', `${what} is ${token.length} bytes; more than ${LIMITS.timestampBytes} is refused`);
  const sd = parseSignedData(token, what);
  if (sd.length !== token.length) throw bad('has bytes after its end');
  if (sd.contentType !== OID.tstInfo || !sd.eContent) throw bad('does not hold a TSTInfo');
  if (sd.signerInfoCount !== 1) throw bad(`has ${sd.signerInfoCount} signers instead of one`);

  // TSTInfo (RFC 3161 2.4.2)
  const tst = children(expectTag(readOne(sd.eContent, 'the TSTInfo'), TAG.sequence, 'the TSTInfo'), 'the TSTInfo');
  let i = 1;
  const policy = readOid(tst[i++]!, 'the TSTInfo policy');
  const [alg, hashed] = children(expectTag(tst[i++], TAG.sequence, 'the message imprint'));
  const imprintAlg = readOid(children(expectTag(alg, TAG.sequence, 'the imprint algorithm'))[0]!, 'the imprint algorithm');
  const imprint = Buffer.from(expectTag(hashed, TAG.octetString, 'the imprint').content);
  const serial = expectTag(tst[i++], TAG.integer, 'the TSTInfo serial').content;
  const genTime = parseGeneralizedTime(expectTag(tst[i++], TAG.generalizedTime, 'genTime').content, 'genTime');
  let nonce: Buffer | undefined;
  for (; i < tst.length; i++) if (tst[i]!.tag === TAG.integer) nonce = Buffer.from(tst[i]!.content);

  if (expected.imprint) {
    if (imprintAlg !== OID.sha256) throw bad(`is over a ${imprintAlg} imprint; SHA-256 was asked for`);
    if (!imprint.equals(Buffer.from(expected.imprint))) throw bad('is for other data than was sent (message imprint differs)');
  }
  if (expected.nonce) {
    if (!nonce) throw bad('carries no nonce although one was sent');
    if (!magnitude(nonce).equals(magnitude(Buffer.from(expected.nonce)))) throw bad('carries another nonce than was sent (a replayed or mixed-up answer)');
  }

  const pool = [...sd.certificates, ...(expected.tsaCertificates ?? []).map((c) => parseCert(c, 'a TSA certificate').der)];
  const tsaCert: Cert | undefined = findSignerCertificate(sd.signerInfo, pool);
  if (!tsaCert) throw bad('does not carry its signing certificate (ask with certReq, or configure the TSA certificate)');
  const eku = tsaCert.extensions.get(OID.extKeyUsage);
  const purposes = eku ? children(readOne(eku.value, 'the extended key usage')).map((p) => readOid(p, 'the extended key usage')) : [];
  if (!eku || !eku.critical || purposes.length !== 1 || purposes[0] !== OID.kpTimeStamping) {
    throw bad('is signed by a certificate that is not a timestamping certificate (RFC 3161 wants the one extended key usage timeStamping, critical)');
  }
  verifySignerInfo(sd.signerInfo, tsaCert, sd.eContent, what, 'TSA_BAD_TOKEN', true);
  if (sd.signerInfo.contentType !== OID.tstInfo) throw bad('has a content-type attribute other than TSTInfo');
  if (genTime < new Date(tsaCert.x509.validFrom) || genTime > new Date(tsaCert.x509.validTo)) throw bad('has a time outside its certificate\'s validity');
  return {
    token,
    genTime,
    serialNumber: magnitude(Buffer.from(serial)).toString('hex').toUpperCase(),
    policy,
    imprint,
    ...(nonce ? { nonce } : {}),
    tsaCertificate: tsaCert.der,
    certificates: sd.certificates,
  };
}

/**
 * Asks a TSA for a timestamp over `subject` (HTTP POST application/timestamp-query) and checks
 * the answer (verifyTimestampToken). Network trouble is UNAVAILABLE or DEADLINE_EXCEEDED.
 */
export async function requestTimestamp(tsaUrl: string, subject: TimestampSubject, options: TimestampOptions = {}): Promise<Timestamp> {
  const imprint = imprintOf(subject);
  const nonce = options.nonce === false ? undefined : Buffer.from(options.nonce ?? randomNonce());
  const certReq = options.certReq ?? true;
  const request = buildTimestampRequest(imprint, { ...(nonce ? { nonce } : {}), certReq, ...(options.policy ? { policy: options.policy } : {}) });
  const what = 'the timestamp authority';
  const answer = await httpExchange(
    tsaUrl,
    { method: 'POST', body: request, contentType: 'application/timestamp-query', accept: 'application/timestamp-reply' },
    { timeoutMs: options.timeoutMs ?? LIMITS.httpTimeoutMs, maxBytes: options.maxBytes ?? LIMITS.timestampBytes, what },
  );
  if (answer.contentType && !/^application\/timestamp-(reply|response)$/.test(answer.contentType)) {
    throw padesError('UNAVAILABLE', 'TSA_BAD_TOKEN', `${what} answered with ${answer.contentType}, not a timestamp reply: is ${tsaUrl} a TSA?`);
  }
  const token = tokenFromResponse(answer.body, what);
  const ts = verifyTimestampToken(token, { imprint, ...(nonce ? { nonce } : {}), ...(options.tsaCertificates ? { tsaCertificates: options.tsaCertificates } : {}) });
  if (options.policy && ts.policy !== options.policy) throw padesError('UNAVAILABLE', 'TSA_BAD_TOKEN', `${what} answered under policy ${ts.policy}, not ${options.policy} as asked`);
  return ts;
}

function randomNonce(): Buffer {
  const n = randomBytes(8);
  n[0] = (n[0]! & 0x7f) | 0x01; // positive and 8 bytes long
  return n;
}

/**
 * A document timestamp for PAdES B-LTA: the token over the ByteRange digest. Its DER is the whole
 * /Contents of a /DocTimeStamp signature (SubFilter ETSI.RFC3161).
 */
export function documentTimestamp(tsaUrl: string, byteRangeDigest: Uint8Array, options: TimestampOptions = {}): Promise<Timestamp> {
  return requestTimestamp(tsaUrl, { sha256: byteRangeDigest }, options);
}

/**
 * Adds a signature timestamp token (B-T) to a SignedData as the unsigned attribute
 * id-aa-signatureTimeStampToken, after checking that the token is over this signature's value.
 * The signed attributes and everything else are carried over byte for byte.
 */
export function addSignatureTimestamp(signedDataDer: Uint8Array, tokenDer: Uint8Array): Buffer {
  const sd = parseSignedData(signedDataDer);
  const token = Buffer.from(tokenDer.buffer, tokenDer.byteOffset, tokenDer.byteLength);
  const tstWhat = 'the timestamp token';
  let imprint: { alg: string; value: Buffer };
  try {
    const inner = parseSignedData(token, tstWhat);
    if (!inner.eContent || inner.contentType !== OID.tstInfo) throw new Error('it holds no TSTInfo');
    const tst = children(readOne(inner.eContent, 'the TSTInfo'));
    const [alg, hashed] = children(expectTag(tst[2], TAG.sequence, 'the message imprint'));
    imprint = { alg: readOid(children(expectTag(alg, TAG.sequence, 'the imprint algorithm'))[0]!, 'the imprint algorithm'), value: Buffer.from(expectTag(hashed, TAG.octetString, 'the imprint').content) };
  } catch (err) {
    throw padesError('INVALID_ARGUMENT', 'TSA_BAD_TOKEN', `${tstWhat} is not a timestamp token (${err instanceof Error ? err.message : String(err)})`, err);
  }
  const expected = imprint.alg === OID.sha256 ? createHash('sha256').update(sd.signatureValue).digest() : undefined;
  if (!expected || !expected.equals(imprint.value)) {
    throw padesError('INVALID_ARGUMENT', 'TIMESTAMP_MISMATCH', 'the timestamp is not over this signature (its imprint is not the SHA-256 of the signature value): request it with the signature value of this very SignedData');
  }
  return addUnsignedAttributes(signedDataDer, [{ type: OID.signatureTimeStampToken, values: [readOne(token, tstWhat).bytes] }]);
}

/** Requests a signature timestamp for `signedDataDer` and adds it (B-B to B-T in one call). */
export async function timestampSignature(signedDataDer: Uint8Array, tsaUrl: string, options: TimestampOptions = {}): Promise<{ signedData: Buffer; timestamp: Timestamp }> {
  const sd = parseSignedData(signedDataDer);
  const timestamp = await requestTimestamp(tsaUrl, { data: sd.signatureValue }, options);
  return { signedData: addSignatureTimestamp(signedDataDer, timestamp.token), timestamp };
}

/** Size in bytes of a token this TSA issues now (for placeholder sizing): one request over random data. */
export async function probeTimestampTokenSize(tsaUrl: string, options: TimestampOptions = {}): Promise<number> {
  return (await requestTimestamp(tsaUrl, { data: randomBytes(32) }, options)).token.length;
}
