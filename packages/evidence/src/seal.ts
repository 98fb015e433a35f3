import { createHash } from 'node:crypto';
import { assembleSignedData, type Cert, createSignature, findSignerCertificate, parseSignedData, type Signer, verifyWithAlgorithm } from '@jitsuin/pades';
import { buildChain, CertificateStore } from '@jitsuin/verify';

/**
 * The platform's seal on an evidence package: a detached CMS SignedData (the same CAdES signed
 * attributes as a PAdES seal: content-type, message-digest, signing-certificate-v2) over the
 * bytes of manifest.json, made with a key the document service holds.
 */

const SHA256 = '2.16.840.1.101.3.4.2.1';

export async function seal(content: Uint8Array, signer: Signer): Promise<Buffer> {
  const documentDigest = createHash('sha256').update(content).digest();
  const { signedData } = await createSignature({ documentDigest, signer });
  return signedData;
}

export interface SealCheck {
  /** The signature verifies over the content with the certificate it names. */
  signatureValid: boolean;
  /** The signer certificate chains to one of the trust anchors. */
  trusted: boolean;
  signer?: string;
  anchor?: string;
  /** What is wrong, in words; empty when the seal is good and trusted. */
  problems: string[];
}

const subjectOf = (cert: Cert) => cert.x509.subject.split('\n').join(', ');

/**
 * Checks a seal over `content` offline: the CMS parses, its message-digest is the content's
 * SHA-256, its signing-certificate-v2 names the certificate that signed, the signature verifies,
 * and the certificate (with the chain the CMS carries) leads to one of `trustAnchors`, every
 * certificate of the chain valid at `at` (when the package says it was made).
 */
export function checkSeal(content: Uint8Array, p7s: Uint8Array, options: { trustAnchors: Cert[]; at: Date; certificates?: string[] }): SealCheck {
  const problems: string[] = [];
  let parsed;
  try {
    parsed = parseSignedData(p7s, 'the seal');
  } catch (err) {
    return { signatureValid: false, trusted: false, problems: [`is not a CMS signature (${(err as Error).message})`] };
  }
  if (parsed.eContent) problems.push('is not detached: it carries content of its own');
  if (parsed.signerInfoCount !== 1) problems.push(`has ${parsed.signerInfoCount} signers, not one`);
  const si = parsed.signerInfo;
  const cert = findSignerCertificate(si, parsed.certificates);
  if (!cert) return { signatureValid: false, trusted: false, problems: [...problems, 'does not carry the certificate that signed it'] };
  const signer = subjectOf(cert);
  let signatureValid = true;
  const fail = (problem: string) => {
    signatureValid = false;
    problems.push(problem);
  };
  if (si.digestAlgorithm !== SHA256) fail(`uses digest algorithm ${si.digestAlgorithm}, not SHA-256`);
  if (!si.signedAttrsDer) fail('has no signed attributes');
  const digest = createHash('sha256').update(content).digest();
  if (!si.messageDigest?.equals(digest)) fail('does not match manifest.json (its message-digest is of other content: the manifest was changed)');
  const certId = si.signingCertificateV2?.certIds[0];
  if (!certId) fail('has no signing-certificate-v2 attribute binding its certificate');
  else if (!certId.certHash.equals(createHash(certId.hash).update(cert.der).digest())) fail('names another certificate in its signing-certificate-v2 than the one that signed');
  if (si.signedAttrsDer) {
    const ok = verifyWithAlgorithm(si.signatureAlgorithmDer, si.signedAttrsDer, cert, si.signatureValue, 'sha256');
    if (ok === undefined) fail(`uses signature algorithm ${si.signatureAlgorithm}, which is not supported`);
    else if (!ok) fail('has a signature value that does not verify with its certificate');
  }

  // Every byte of the seal bound: its certificates are the ones the sealed manifest lists, and
  // the rest is exactly what the platform writes from the signed attributes, the signature value
  // and those certificates (so nothing unsigned was added, dropped or changed).
  if (options.certificates) {
    const listed = new Set(options.certificates);
    const carried = parsed.certificates.map((der) => createHash('sha256').update(der).digest('hex'));
    if (carried.length !== listed.size || carried.some((h) => !listed.has(h))) fail('carries other certificates than the sealed manifest lists (a certificate in it was changed, added or removed)');
  }
  if (signatureValid && si.signedAttrsDer) {
    try {
      const rebuilt = assembleSignedData({
        signedAttrsDer: si.signedAttrsDer,
        signatureValue: si.signatureValue,
        signerCertificate: cert.der,
        certificates: parsed.certificates.filter((der) => !der.equals(cert.der)),
      });
      if (!rebuilt.equals(Buffer.from(p7s))) fail('is not byte for byte the CMS its signed parts make (bytes outside what the signature covers were changed)');
    } catch (err) {
      fail(`cannot be re-assembled from its signed parts (${(err as Error).message})`);
    }
  }

  const pool = new CertificateStore();
  pool.addDer(parsed.certificates);
  const chain = buildChain(cert, new CertificateStore(options.trustAnchors), pool);
  let trusted = false;
  let anchor: string | undefined;
  if (!chain) {
    problems.push(options.trustAnchors.length === 0 ? 'is untrusted: no trust anchor was given (--trust)' : `is untrusted: its certificate (${signer}) does not chain to any trust anchor given`);
  } else {
    anchor = subjectOf(chain.anchor);
    trusted = true;
    for (const c of chain.certs) {
      const from = new Date(c.x509.validFrom);
      const to = new Date(c.x509.validTo);
      if (options.at < from || options.at > to) {
        trusted = false;
        problems.push(`has a certificate (${subjectOf(c)}) not valid when the package was made (${options.at.toISOString()}; valid ${from.toISOString()} to ${to.toISOString()})`);
      }
    }
  }
  return { signatureValid, trusted, signer, ...(anchor ? { anchor } : {}), problems };
}
