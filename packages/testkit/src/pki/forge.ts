import { ensurePkiEngine } from '@jitsuin/jpki';
import { basicConstraints, keyUsage } from './extensions.js';
import { certDer, certTime, type Issuer, issueCertificate, newSerial, parseCert } from './issue.js';
import { generateRsaKey, publicKeyInfo, type RsaKey } from './keys.js';

/**
 * Certificates an attacker can make, for tests that must refuse them. Whoever holds a person's
 * certificate (it is public: it travels in every signature) can copy its basic-4 facts and JPKI
 * profile into a certificate of their own key, issued by a CA of their own that copies the JPKI
 * root's name, or by nobody (self-signed).
 */

/** A CA of the attacker's own whose subject copies `like`'s (a JPKI root's DN), with a new key. */
export async function selfMadeCa(like: Buffer): Promise<Issuer & { der: Buffer }> {
  const copied = parseCert(like);
  const key = await generateRsaKey();
  const cert = await issueCertificate({
    subject: copied.subject,
    spki: key.spki,
    selfKey: key.signer,
    serial: newSerial(),
    notBefore: copied.notBefore.value,
    notAfter: copied.notAfter.value,
    extensions: [keyUsage(['keyCertSign', 'cRLSign']), basicConstraints(true)],
  });
  return { cert, key: key.signer, der: certDer(cert) };
}

export interface Remade {
  /** The certificate's DER. */
  der: Buffer;
  /** The key the certificate is for, when a new one was made (the attacker can sign with it). */
  key?: RsaKey;
}

/**
 * `original` (a certificate's DER) re-made: every extension kept (facts, policy, key usage, even
 * the authority key identifier that names the real issuer), optionally another validity, a new
 * key of the attacker's, and signed by `issuer`, or by the new key itself when `issuer` is 'self'
 * (then the issuer name is the subject's).
 */
export async function remakeCertificate(
  original: Buffer,
  o: { issuer: Issuer | 'self'; newKey?: boolean; notBefore?: Date; notAfter?: Date },
): Promise<Remade> {
  ensurePkiEngine();
  const cert = parseCert(original);
  const key = o.newKey || o.issuer === 'self' ? await generateRsaKey() : undefined;
  if (key) cert.subjectPublicKeyInfo = publicKeyInfo(key.spki);
  if (o.notBefore) cert.notBefore = certTime(o.notBefore);
  if (o.notAfter) cert.notAfter = certTime(o.notAfter);
  if (o.issuer === 'self') cert.issuer = cert.subject;
  else cert.issuer = o.issuer.cert.subject;
  await cert.sign(o.issuer === 'self' ? key!.signer : o.issuer.key, 'SHA-256');
  return { der: Buffer.from(cert.toSchema(true).toBER(false)), ...(key ? { key } : {}) };
}
