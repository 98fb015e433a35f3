import { createHash, randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ensurePkiEngine } from '@jitsuin/jpki';
import { type Cert, type CertificateBytes, certificateDer, type CertInput, isSelfSigned, issuedBy, parseCert, uniqueCerts } from './certs.js';
import { parseGeneralizedTime, verifyWithAlgorithm } from './cms-verify.js';
import { children, expectTag, isContext, readOid, readOne, TAG, type Tlv } from '@jitsuin/der';
import { PadesError, padesError } from './errors.js';
import { httpExchange } from './http.js';
import { LIMITS } from './limits.js';
import { HASH_BY_OID, OID } from './oids.js';

/**
 * Validation data for PAdES B-LT: for every certificate of the signer's and the TSA's chains,
 * an OCSP response and/or a CRL, fetched from the URLs the certificates carry. Fetching is
 * pluggable (JPKI certificates carry no URLs; production asks a configured J-LIS source), and
 * what comes back is checked before it goes into a DSS: an OCSP response must be successful,
 * answer for that certificate and be signed by its CA or a responder the CA delegated to; a CRL
 * must be the issuer's and signed by it.
 */

export interface RevocationFetchers {
  /** The DER CRL at `url`. */
  crl(url: string): Promise<Uint8Array>;
  /** A DER OCSPResponse for `cert` (issued by `issuer`) from the responder at `url`. */
  ocsp(cert: Buffer, issuer: Buffer, url: string): Promise<Uint8Array>;
}

export interface RevocationStatus {
  /** The certificate's subject, one line. */
  subject: string;
  serial: string;
  source: 'ocsp' | 'crl';
  status: 'good' | 'revoked' | 'unknown';
  revokedAt?: Date;
}

export interface ValidationData {
  /** Every certificate given, plus the OCSP responders' certificates, without repeats. */
  certs: Buffer[];
  crls: Buffer[];
  /** DER OCSPResponse each. */
  ocsps: Buffer[];
  /** What each piece of revocation data says (a revoked signer is still data, but the caller should know). */
  statuses: RevocationStatus[];
  /** Sources that failed while another covered the certificate, or certificates left without data. */
  warnings: string[];
}

export interface CollectOptions {
  /** The signer's chain and the TSA's chain (any order; roots may be included). */
  certificates: CertificateBytes[];
  fetch: RevocationFetchers;
  /** Which sources to use when a certificate names both (default both: verifiers differ in what they take). */
  sources?: { ocsp?: boolean; crl?: boolean };
  /** Throw NO_REVOCATION_DATA when a non-root certificate gets none (default true). */
  requireAll?: boolean;
}

const oneLine = (c: Cert) => c.x509.subject.split('\n').join(', ');
const sha256hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function uris(generalNames: Tlv[]): string[] {
  return generalNames.filter((g) => isContext(g, 6) && !g.constructed).map((g) => g.content.toString('latin1'));
}

/** http(s) URLs of the OCSP responders in the certificate's authorityInfoAccess. */
export function ocspUrls(cert: Cert): string[] {
  const ext = cert.extensions.get(OID.authorityInfoAccess);
  if (!ext) return [];
  const what = 'the authority information access extension';
  return children(readOne(ext.value, what), what)
    .filter((ad) => readOid(children(ad, what)[0]!, what) === OID.adOcsp)
    .flatMap((ad) => uris([children(ad, what)[1]!]))
    .filter((u) => /^https?:\/\//i.test(u));
}

/** http(s) URLs in the certificate's CRL distribution points (directory names, as JPKI has, are skipped). */
export function crlUrls(cert: Cert): string[] {
  const ext = cert.extensions.get(OID.crlDistributionPoints);
  if (!ext) return [];
  const what = 'the CRL distribution points extension';
  const out: string[] = [];
  for (const dp of children(readOne(ext.value, what), what)) {
    const name = children(dp, what).find((p) => isContext(p, 0));
    if (!name) continue;
    const fullName = children(name, what).find((p) => isContext(p, 0));
    if (fullName) out.push(...uris(children(fullName, what)));
  }
  return out.filter((u) => /^https?:\/\//i.test(u));
}

// ---------------------------------------------------------------------------------------------
// OCSP

/** A DER OCSPRequest for one certificate (SHA-1 CertID, as RFC 5019 responders expect), built with pkijs. */
export async function buildOcspRequest(cert: CertificateBytes, issuer: CertificateBytes, o: { nonce?: Uint8Array } = {}): Promise<Buffer> {
  ensurePkiEngine();
  const toPkijs = (c: Cert) => pkijs.Certificate.fromBER(new Uint8Array(c.der));
  const request = new pkijs.OCSPRequest();
  await request.createForCertificate(toPkijs(parseCert(cert)), { hashAlgorithm: 'SHA-1', issuerCertificate: toPkijs(parseCert(issuer)) });
  if (o.nonce) {
    // RFC 8954: the extension's value is an OCTET STRING holding the nonce.
    const inner = new asn1js.OctetString({ valueHex: new Uint8Array(o.nonce).buffer as ArrayBuffer });
    request.tbsRequest.requestExtensions = [new pkijs.Extension({ extnID: OID.ocspNonce, critical: false, extnValue: inner.toBER(false) })];
  }
  return Buffer.from(request.toSchema(true).toBER(false));
}

export interface OcspAnswer {
  status: 'good' | 'revoked' | 'unknown';
  revokedAt?: Date;
  /** RFC 5280 CRLReason code of a revocation, when the responder gave one (JPKI's meaning depends on it). */
  reasonCode?: number;
  producedAt: Date;
  thisUpdate: Date;
  nextUpdate?: Date;
  /** The certificates the response carries (a delegated responder's). */
  certificates: Buffer[];
  /** The certificate that signed the response (the CA or its delegated responder). */
  responder: Buffer;
}

const OCSP_STATUS = ['successful', 'malformedRequest', 'internalError', 'tryLater', '', 'sigRequired', 'unauthorized'];

/**
 * Checks an OCSPResponse for `cert`: successful, a SingleResponse for this CertID (any hash),
 * the nonce if one was sent and the responder echoed one, and a signature by the issuer or by a
 * certificate the issuer issued for OCSP signing. Throws OCSP_BAD_RESPONSE (UNAVAILABLE) otherwise.
 */
export function checkOcspResponse(response: Uint8Array, cert: CertInput, issuer: CertInput, o: { nonce?: Uint8Array } = {}): OcspAnswer {
  const c = parseCert(cert);
  const ca = parseCert(issuer);
  const what = 'the OCSP response';
  const bad = (m: string) => padesError('UNAVAILABLE', 'OCSP_BAD_RESPONSE', `${what} for ${oneLine(c)} ${m}`);
  try {
    const buf = Buffer.from(response.buffer, response.byteOffset, response.byteLength);
    const top = children(expectTag(readOne(buf, what), TAG.sequence, what), what);
    const status = expectTag(top[0], TAG.enumerated, what).content[0] ?? -1;
    if (status !== 0) throw bad(`says ${OCSP_STATUS[status] || `status ${status}`}; the responder could not answer now`);
    const bytes = children(expectTag(children(top[1]!, what)[0], TAG.sequence, what), what);
    if (readOid(bytes[0]!, what) !== OID.ocspBasic) throw bad('is not a basic OCSP response');
    const basic = children(readOne(Buffer.from(expectTag(bytes[1], TAG.octetString, what).content), what), what);
    const tbs = expectTag(basic[0], TAG.sequence, what);
    const sigAlg = expectTag(basic[1], TAG.sequence, what);
    const sig = expectTag(basic[2], TAG.bitString, what).content.subarray(1);
    const included = isContext(basic[3], 0) ? children(children(basic[3], what)[0]!, what).map((x) => parseCert(Buffer.from(x.bytes), 'a certificate in the OCSP response')) : [];

    const data = children(tbs, what);
    let i = isContext(data[0], 0) ? 1 : 0;
    const responderId = data[i++]!;
    const producedAt = parseGeneralizedTime(expectTag(data[i++], TAG.generalizedTime, what).content, 'producedAt');
    const responses = children(expectTag(data[i++], TAG.sequence, what), what);
    const exts = isContext(data[i], 1) ? children(children(data[i]!, what)[0]!, what) : [];

    // The SingleResponse for this certificate, whatever hash its CertID uses.
    let single: Tlv[] | undefined;
    for (const r of responses) {
      const parts = children(r, what);
      const id = children(parts[0]!, what);
      const hash = HASH_BY_OID[readOid(children(id[0]!, what)[0]!, what)];
      if (!hash) continue;
      const nameHash = createHash(hash).update(c.issuerDer).digest();
      const keyHash = createHash(hash).update(ca.publicKeyBits).digest();
      if (id[1]!.content.equals(nameHash) && id[2]!.content.equals(keyHash) && id[3]!.bytes.equals(c.serialDer)) single = parts;
    }
    if (!single) throw bad('does not answer for this certificate');
    const statusTlv = single[1]!;
    const kind = statusTlv.tagNumber === 0 ? 'good' : statusTlv.tagNumber === 1 ? 'revoked' : 'unknown';
    const revokedInfo = kind === 'revoked' ? children(statusTlv, what) : [];
    const revokedAt = kind === 'revoked' ? parseGeneralizedTime(revokedInfo[0]!.content, 'revocationTime') : undefined;
    const reasonTlv = revokedInfo.find((p) => isContext(p, 0));
    const reasonCode = reasonTlv ? expectTag(children(reasonTlv, what)[0], TAG.enumerated, what).content[0] : undefined;
    const thisUpdate = parseGeneralizedTime(expectTag(single[2], TAG.generalizedTime, what).content, 'thisUpdate');
    const next = single.slice(3).find((p) => isContext(p, 0));
    const nextUpdate = next ? parseGeneralizedTime(children(next, what)[0]!.content, 'nextUpdate') : undefined;

    if (o.nonce) {
      const nonceExt = exts.find((e) => readOid(children(e, what)[0]!, what) === OID.ocspNonce);
      if (nonceExt) {
        const value = children(nonceExt, what).at(-1)!.content;
        const inner = value[0] === TAG.octetString ? readOne(Buffer.from(value), what).content : value;
        if (!inner.equals(Buffer.from(o.nonce))) throw bad('carries another nonce than was sent (a replayed answer)');
      }
    }

    // Who signed: byName [1] or byKey [2] (SHA-1 of the key bits); the CA itself or a delegate.
    const matchesId = (x: Cert) =>
      isContext(responderId, 1)
        ? children(responderId, what)[0]!.bytes.equals(x.subjectDer)
        : children(responderId, what)[0]!.content.equals(createHash('sha1').update(x.publicKeyBits).digest());
    const signer = [ca, ...included].find(matchesId);
    if (!signer) throw bad('is signed by a responder whose certificate is neither the CA nor included');
    if (signer !== ca) {
      const eku = signer.extensions.get(OID.extKeyUsage);
      const purposes = eku ? children(readOne(eku.value, what), what).map((p) => readOid(p, what)) : [];
      if (!issuedBy(signer, ca) || !purposes.includes('1.3.6.1.5.5.7.3.9')) throw bad('is signed by a responder the CA did not authorise for OCSP');
    }
    const ok = verifyWithAlgorithm(Buffer.from(sigAlg.bytes), Buffer.from(tbs.bytes), signer, Buffer.from(sig));
    if (!ok) throw bad('has a signature that does not verify');
    return {
      status: kind,
      ...(revokedAt ? { revokedAt } : {}),
      ...(reasonCode !== undefined ? { reasonCode } : {}),
      producedAt,
      thisUpdate,
      ...(nextUpdate ? { nextUpdate } : {}),
      certificates: included.map((x) => x.der),
      responder: signer.der,
    };
  } catch (err) {
    if (err instanceof PadesError && err.code === 'OCSP_BAD_RESPONSE') throw err;
    throw bad(`cannot be read (${err instanceof Error ? err.message : String(err)})`);
  }
}

// ---------------------------------------------------------------------------------------------
// CRL

export interface CrlAnswer {
  status: 'good' | 'revoked';
  revokedAt?: Date;
  /** RFC 5280 CRLReason code of the entry's reasonCode extension, when present. */
  reasonCode?: number;
  thisUpdate: Date;
  nextUpdate?: Date;
}

const REASON_CODE_EXTENSION = '2.5.29.21';

function parseTime(t: Tlv): Date {
  if (t.tag === TAG.generalizedTime) return parseGeneralizedTime(t.content, 'a CRL time');
  const m = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(t.content.toString('latin1'));
  if (!m) throw padesError('UNAVAILABLE', 'CRL_BAD', 'a CRL time is malformed');
  const yy = Number(m[1]);
  return new Date(Date.UTC(yy < 50 ? 2000 + yy : 1900 + yy, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
}

/**
 * Checks that `crl` is a CRL of `cert`'s issuer (same name, signed by `issuer`'s key) and says
 * whether it lists the certificate. Indirect CRLs are not supported (CRL_BAD).
 */
export function checkCrl(crl: Uint8Array, cert: CertInput, issuer: CertInput): CrlAnswer {
  const c = parseCert(cert);
  const ca = parseCert(issuer);
  const what = 'the CRL';
  const bad = (m: string) => padesError('UNAVAILABLE', 'CRL_BAD', `${what} for ${oneLine(c)} ${m}`);
  try {
    const buf = Buffer.from(crl.buffer, crl.byteOffset, crl.byteLength);
    const [tbs, sigAlg, sigBits] = children(expectTag(readOne(buf, what), TAG.sequence, what), what);
    const fields = children(expectTag(tbs, TAG.sequence, what), what);
    let i = fields[0]?.tag === TAG.integer ? 1 : 0;
    i++; // signature algorithm
    const issuerName = expectTag(fields[i++], TAG.sequence, what);
    if (!issuerName.bytes.equals(c.issuerDer)) throw bad("is not from the certificate's issuer");
    const thisUpdate = parseTime(fields[i++]!);
    const nextUpdate = fields[i] && (fields[i]!.tag === 0x17 || fields[i]!.tag === TAG.generalizedTime) ? parseTime(fields[i++]!) : undefined;
    const times = { thisUpdate, ...(nextUpdate ? { nextUpdate } : {}) };
    const ok = verifyWithAlgorithm(Buffer.from(expectTag(sigAlg, TAG.sequence, what).bytes), Buffer.from(tbs!.bytes), ca, expectTag(sigBits, TAG.bitString, what).content.subarray(1));
    if (!ok) throw bad("is not signed by the certificate's issuer");
    const revoked = fields[i]?.tag === TAG.sequence ? children(fields[i]!, what) : [];
    for (const entry of revoked) {
      const [serial, date, exts] = children(entry, what);
      if (!serial!.bytes.equals(c.serialDer)) continue;
      const reason = exts ? children(exts, what).find((e) => readOid(children(e, what)[0]!, what) === REASON_CODE_EXTENSION) : undefined;
      const reasonCode = reason ? readOne(Buffer.from(children(reason, what).at(-1)!.content), what).content[0] : undefined;
      return { status: 'revoked', revokedAt: parseTime(date!), ...(reasonCode !== undefined ? { reasonCode } : {}), ...times };
    }
    return { status: 'good', ...times };
  } catch (err) {
    if (err instanceof PadesError && err.code === 'CRL_BAD') throw err;
    throw bad(`cannot be read (${err instanceof Error ? err.message : String(err)})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Collection

const PEM_CRL = /-----BEGIN X509 CRL-----([A-Za-z0-9+/=\s]+)-----END X509 CRL-----/;

/** Fetchers over HTTP: CRLs by GET, OCSP by POST (with a nonce), each with a timeout and size cap. */
export function httpRevocationFetchers(o: { timeoutMs?: number; maxCrlBytes?: number; maxOcspBytes?: number; nonce?: boolean } = {}): RevocationFetchers {
  const timeoutMs = o.timeoutMs ?? LIMITS.httpTimeoutMs;
  return {
    async crl(url) {
      const answer = await httpExchange(url, { method: 'GET', accept: 'application/pkix-crl' }, { timeoutMs, maxBytes: o.maxCrlBytes ?? LIMITS.crlBytes, what: 'the CRL server' });
      const pem = answer.body[0] === 0x2d ? PEM_CRL.exec(answer.body.toString('latin1')) : null;
      return pem ? Buffer.from(pem[1]!.replace(/\s+/g, ''), 'base64') : answer.body;
    },
    async ocsp(cert, issuer, url) {
      const nonce = o.nonce === false ? undefined : randomBytes(16);
      const request = await buildOcspRequest(cert, issuer, nonce ? { nonce } : {});
      const answer = await httpExchange(
        url,
        { method: 'POST', body: request, contentType: 'application/ocsp-request', accept: 'application/ocsp-response' },
        { timeoutMs, maxBytes: o.maxOcspBytes ?? LIMITS.ocspResponseBytes, what: 'the OCSP responder' },
      );
      if (answer.contentType && answer.contentType !== 'application/ocsp-response') {
        throw padesError('UNAVAILABLE', 'OCSP_BAD_RESPONSE', `the OCSP responder at ${new URL(url).origin} answered with ${answer.contentType}, not an OCSP response`);
      }
      // Checked here too, for the nonce; collectValidationData checks the rest again.
      if (nonce) checkOcspResponse(answer.body, cert, issuer, { nonce });
      return answer.body;
    },
  };
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));

/**
 * Collects certificates, CRLs and OCSP responses for every non-root certificate given, from the
 * URLs in the certificates, through `fetch`. Each CRL URL is fetched once; results are checked and
 * de-duplicated. Certificates that need no revocation data are skipped: self-signed roots and
 * delegated OCSP responders with id-pkix-ocsp-nocheck.
 */
export async function collectValidationData(o: CollectOptions): Promise<ValidationData> {
  // Repeats first: a document's signatures share chains (20 card signatures give 80 certificates
  // of which a handful differ), so the limit is on distinct certificates, checked before parsing.
  const distinct = new Map<string, { der: Buffer; index: number }>();
  o.certificates.forEach((c, index) => {
    const der = certificateDer(c, `certificate ${index + 1}`);
    const key = createHash('sha256').update(der).digest('base64');
    if (!distinct.has(key)) distinct.set(key, { der, index });
  });
  if (distinct.size > LIMITS.certificates) {
    throw padesError('INVALID_ARGUMENT', 'TOO_LARGE', `${distinct.size} distinct certificates is more than the ${LIMITS.certificates} validation data is collected for`);
  }
  const certs = [...distinct.values()].map(({ der, index }) => parseCert(der, `certificate ${index + 1}`));
  const useOcsp = o.sources?.ocsp ?? true;
  const useCrl = o.sources?.crl ?? true;
  const requireAll = o.requireAll ?? true;
  const warnings: string[] = [];
  const statuses: RevocationStatus[] = [];
  const extraCerts: Cert[] = [];
  const crlsByHash = new Map<string, Buffer>();
  const ocsps: Buffer[] = [];
  const crlFetches = new Map<string, Promise<Buffer>>();
  const fetchCrl = (url: string) => {
    let p = crlFetches.get(url);
    if (!p) {
      p = o.fetch.crl(url).then((b) => Buffer.from(b));
      crlFetches.set(url, p);
    }
    return p;
  };

  const missing: string[] = [];
  await Promise.all(
    certs.map(async (cert) => {
      if (isSelfSigned(cert) || cert.extensions.has(OID.ocspNoCheck)) return;
      const issuer = certs.find((c) => c !== cert && issuedBy(cert, c));
      if (!issuer) {
        const m = `the issuer of ${oneLine(cert)} is not among the certificates given, so its revocation data cannot be checked`;
        if (requireAll) throw padesError('FAILED_PRECONDITION', 'ISSUER_NOT_FOUND', m);
        warnings.push(m);
        return;
      }
      const base = { subject: oneLine(cert), serial: cert.serialHex };
      const problems: string[] = [];
      let covered = false;
      if (useOcsp) {
        for (const url of ocspUrls(cert)) {
          try {
            const response = Buffer.from(await o.fetch.ocsp(cert.der, issuer.der, url));
            if (response.length > LIMITS.ocspResponseBytes) throw padesError('UNAVAILABLE', 'OCSP_BAD_RESPONSE', `the OCSP response for ${base.subject} is larger than ${LIMITS.ocspResponseBytes} bytes`);
            const answer = checkOcspResponse(response, cert, issuer);
            ocsps.push(response);
            for (const der of answer.certificates) {
              const responder = parseCert(der, 'an OCSP responder certificate');
              extraCerts.push(responder);
              if (!responder.der.equals(issuer.der) && !responder.extensions.has(OID.ocspNoCheck)) {
                warnings.push(`the OCSP responder ${oneLine(responder)} has no ocsp-nocheck extension; verifiers may want revocation data for it too`);
              }
            }
            statuses.push({ ...base, source: 'ocsp', status: answer.status, ...(answer.revokedAt ? { revokedAt: answer.revokedAt } : {}) });
            covered = true;
            break;
          } catch (err) {
            problems.push(`OCSP ${url}: ${message(err)}`);
          }
        }
      }
      if (useCrl) {
        for (const url of crlUrls(cert)) {
          try {
            const crl = await fetchCrl(url);
            const answer = checkCrl(crl, cert, issuer);
            crlsByHash.set(sha256hex(crl), crl);
            statuses.push({ ...base, source: 'crl', status: answer.status, ...(answer.revokedAt ? { revokedAt: answer.revokedAt } : {}) });
            covered = true;
            break;
          } catch (err) {
            problems.push(`CRL ${url}: ${message(err)}`);
          }
        }
      }
      if (!covered) {
        const urls = (useOcsp ? ocspUrls(cert).length : 0) + (useCrl ? crlUrls(cert).length : 0);
        missing.push(`${base.subject} (serial ${base.serial}): ${urls === 0 ? 'it names no OCSP or CRL URL (JPKI certificates need a configured revocation source)' : problems.join('; ')}`);
      } else {
        warnings.push(...problems);
      }
    }),
  );
  if (missing.length > 0) {
    const m = `no revocation data could be collected for ${missing.join(' | ')}`;
    if (requireAll) throw padesError('UNAVAILABLE', 'NO_REVOCATION_DATA', m);
    warnings.push(m);
  }
  return {
    certs: uniqueCerts([...certs, ...extraCerts]).map((c) => c.der),
    crls: [...crlsByHash.values()],
    ocsps: uniqueBuffers(ocsps),
    statuses,
    warnings,
  };
}

function uniqueBuffers(list: Buffer[]): Buffer[] {
  const seen = new Set<string>();
  return list.filter((b) => {
    const k = sha256hex(b);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
