import { constants, createPrivateKey, createPublicKey, type KeyObject, privateEncrypt } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ensurePkiEngine } from '@jitsuin/jpki';
import { type Cert, type CertificateBytes, isSelfSigned, issuedBy, parseCert, pemCertificates, uniqueCerts } from './certs.js';
import { padesError } from './errors.js';
import { LIMITS } from './limits.js';
import { SHA256_DIGEST_INFO_PREFIX } from './oids.js';

/**
 * What signs a CMS signature's DigestInfo: a JPKI card behind a phone app or the sign API
 * (the card flow), or a key the service holds (seals). Both give the same three things, so
 * PrepareSignature/CompleteSignature and Seal run the same code.
 */
export interface Signer {
  /** DER of the signing certificate. */
  readonly certificate: Buffer;
  /** DER of the rest of the chain, issuer first (the root may be included). */
  readonly chain: Buffer[];
  /** RSA PKCS#1 v1.5 over a DER DigestInfo (SHA-256) the host computed: the signature value. */
  sign(digestInfo: Buffer): Promise<Buffer>;
}

/** Refuses anything but a DER SHA-256 DigestInfo, so a server key never signs arbitrary bytes. */
export function checkDigestInfo(digestInfo: Uint8Array): void {
  if (digestInfo.length !== SHA256_DIGEST_INFO_PREFIX.length + 32 || !Buffer.from(digestInfo.subarray(0, SHA256_DIGEST_INFO_PREFIX.length)).equals(SHA256_DIGEST_INFO_PREFIX)) {
    throw padesError('INVALID_ARGUMENT', 'NOT_DIGEST_INFO', 'the signer signs a DER DigestInfo over a SHA-256 digest (as buildSignedAttributes returns it), nothing else');
  }
}

/** The chain above `leaf` from `pool`, issuer first, by signature (not by name: JPKI generations share a DN). */
export function orderChain(leaf: Cert, pool: Cert[]): Cert[] {
  const rest = uniqueCerts(pool, [leaf]);
  const chain: Cert[] = [];
  let current = leaf;
  while (!isSelfSigned(current)) {
    const idx = rest.findIndex((c) => issuedBy(current, c));
    if (idx < 0) break;
    const [next] = rest.splice(idx, 1);
    chain.push(next!);
    current = next!;
  }
  return [...chain, ...rest];
}

function rsaKeyOrThrow(key: KeyObject, what: string): void {
  if (key.asymmetricKeyType !== 'rsa') {
    throw padesError('INVALID_ARGUMENT', 'UNSUPPORTED_KEY', `${what} is ${key.asymmetricKeyType ?? 'not an asymmetric key'}; seals here are RSA keys (PKCS#1 v1.5, SHA-256)`);
  }
}

function sameKey(key: KeyObject, cert: Cert): boolean {
  return createPublicKey(key).export({ type: 'spki', format: 'der' }).equals(cert.spkiDer);
}

/** A server-held RSA key with its certificate and chain. */
export class KeySigner implements Signer {
  readonly certificate: Buffer;
  readonly chain: Buffer[];

  constructor(
    private readonly key: KeyObject,
    certificate: CertificateBytes,
    chain: CertificateBytes[] = [],
  ) {
    rsaKeyOrThrow(key, 'the key');
    if (key.type !== 'private') throw padesError('INVALID_ARGUMENT', 'UNSUPPORTED_KEY', 'a signer needs the private key, not the public one');
    const cert = parseCert(certificate, 'the seal certificate');
    if (!sameKey(key, cert)) {
      throw padesError('INVALID_ARGUMENT', 'KEY_CERTIFICATE_MISMATCH', "the private key does not belong to the certificate given with it: check that the key and certificate files are a pair");
    }
    if (chain.length > LIMITS.certificates) throw padesError('INVALID_ARGUMENT', 'TOO_LARGE', `a chain of ${chain.length} certificates is more than ${LIMITS.certificates}`);
    this.certificate = cert.der;
    this.chain = orderChain(cert, chain.map((c, i) => parseCert(c, `chain certificate ${i + 1}`))).map((c) => c.der);
  }

  /**
   * From PEM text: a PKCS#8 key (optionally encrypted, with `passphrase`) and the certificates,
   * the signer's first (one PEM text with several blocks, or several texts/DERs).
   */
  static fromPem(o: { key: string; passphrase?: string; certificates: string | CertificateBytes[] }): KeySigner {
    let key: KeyObject;
    try {
      key = createPrivateKey(o.passphrase === undefined ? o.key : { key: o.key, passphrase: o.passphrase });
    } catch (err) {
      const encrypted = /ENCRYPTED/.test(o.key);
      throw padesError(
        'INVALID_ARGUMENT',
        encrypted ? 'P12_PASSWORD' : 'BAD_DER',
        encrypted ? 'the private key is encrypted and the passphrase is missing or wrong' : 'the private key is not a PEM PKCS#8 (or PKCS#1) key',
        err,
      );
    }
    const certs = typeof o.certificates === 'string' ? pemCertificates(o.certificates) : o.certificates.flatMap((c) => (typeof c === 'string' ? pemCertificates(c) : [c]));
    const [first, ...rest] = certs;
    if (!first) throw padesError('INVALID_ARGUMENT', 'BAD_CERTIFICATE', 'no certificate was given with the key');
    return new KeySigner(key, first, rest);
  }

  async sign(digestInfo: Buffer): Promise<Buffer> {
    checkDigestInfo(digestInfo);
    return privateEncrypt({ key: this.key, padding: constants.RSA_PKCS1_PADDING }, digestInfo);
  }
}

const BAG = {
  key: '1.2.840.113549.1.12.10.1.1',
  shroudedKey: '1.2.840.113549.1.12.10.1.2',
  cert: '1.2.840.113549.1.12.10.1.3',
} as const;
const X509_CERT = '1.2.840.113549.1.9.22.1';
const PBES2 = '1.2.840.113549.1.5.13';
/** PKCS#12 v1 password-based encryption (pbeWithSHAAnd3-KeyTripleDES-CBC, RC2, RC4): legacy. */
const LEGACY_PBE_ARC = '1.2.840.113549.1.12.1.';

const ab = (b: Uint8Array): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

function checkSupported(algorithmId: string | undefined): void {
  if (algorithmId && algorithmId !== PBES2) {
    throw padesError(
      'INVALID_ARGUMENT',
      'P12_UNSUPPORTED',
      `the PKCS#12 file is encrypted with ${algorithmId.startsWith(LEGACY_PBE_ARC) ? 'a legacy PKCS#12 algorithm (3DES/RC2)' : `an unsupported algorithm (${algorithmId})`}; re-export it with AES (openssl pkcs12 -export, OpenSSL 3 defaults) and try again`,
    );
  }
}

/** A seal key from a password-protected PKCS#12 file (PBES2/AES, HMAC-SHA-256 MAC: OpenSSL 3's defaults). */
export class Pkcs12Signer implements Signer {
  private constructor(private readonly inner: KeySigner) {}

  get certificate(): Buffer {
    return this.inner.certificate;
  }

  get chain(): Buffer[] {
    return this.inner.chain;
  }

  sign(digestInfo: Buffer): Promise<Buffer> {
    return this.inner.sign(digestInfo);
  }

  /**
   * Opens a PKCS#12: checks its MAC with the password (a wrong password is a P12_PASSWORD error,
   * nothing else), decrypts the key and certificates, and pairs the key with its certificate.
   */
  static async open(p12: Uint8Array, password: string): Promise<Pkcs12Signer> {
    ensurePkiEngine();
    if (p12.length > LIMITS.signedDataBytes) throw padesError('INVALID_ARGUMENT', 'TOO_LARGE', `the PKCS#12 file is ${p12.length} bytes; that is not a seal`);
    const notP12 = (err?: unknown) => padesError('INVALID_ARGUMENT', 'P12_FORMAT', 'the file is not a PKCS#12 (.p12/.pfx) key store', err);
    const wrongPassword = (err?: unknown) => padesError('INVALID_ARGUMENT', 'P12_PASSWORD', 'the PKCS#12 password is wrong', err);
    const asn1 = asn1js.fromBER(ab(p12));
    if (asn1.offset === -1) throw notP12();
    let pfx: pkijs.PFX;
    try {
      pfx = new pkijs.PFX({ schema: asn1.result });
    } catch (err) {
      throw notP12(err);
    }
    const pw = ab(Buffer.from(password, 'utf8'));
    const hasMac = pfx.macData !== undefined;
    try {
      await pfx.parseInternalValues({ password: pw, checkIntegrity: hasMac });
    } catch (err) {
      if (err instanceof Error && /Integrity/.test(err.message)) throw wrongPassword(err);
      throw notP12(err);
    }
    const safe = pfx.parsedValue?.authenticatedSafe;
    if (!safe) throw notP12();
    // Which encryption each encrypted SafeContents uses, read before pkijs tries to decrypt.
    const encryptions = safe.safeContents.map((c) => {
      if (c.contentType !== '1.2.840.113549.1.7.6') return undefined;
      try {
        // From a copy: pkijs' schema matching leaves marks on the object it reads.
        const copy = asn1js.fromBER((c.content as asn1js.BaseBlock).toBER(false)).result;
        return new pkijs.EncryptedData({ schema: copy }).encryptedContentInfo.contentEncryptionAlgorithm.algorithmId;
      } catch {
        return undefined;
      }
    });
    for (const e of encryptions) checkSupported(e);
    try {
      await safe.parseInternalValues({ safeContents: safe.safeContents.map(() => ({ password: pw })) });
    } catch (err) {
      throw hasMac ? notP12(err) : wrongPassword(err);
    }

    const keys: KeyObject[] = [];
    const certs: Cert[] = [];
    for (const contents of safe.parsedValue?.safeContents ?? []) {
      for (const bag of contents.value.safeBags) {
        if (bag.bagId === BAG.cert) {
          const cb = bag.bagValue as pkijs.CertBag;
          if (cb.certId !== X509_CERT) continue;
          certs.push(parseCert(Buffer.from((cb.certValue as asn1js.OctetString).valueBlock.valueHexView), 'a certificate in the PKCS#12'));
        } else if (bag.bagId === BAG.shroudedKey) {
          const kb = bag.bagValue as pkijs.PKCS8ShroudedKeyBag;
          checkSupported(kb.encryptionAlgorithm.algorithmId);
          try {
            // pkijs marks it protected, but it is the way to decrypt a shrouded key bag.
            await (kb as unknown as { parseInternalValues(p: { password: ArrayBuffer }): Promise<void> }).parseInternalValues({ password: pw });
          } catch (err) {
            throw hasMac ? notP12(err) : wrongPassword(err);
          }
          keys.push(createPrivateKey({ key: Buffer.from(kb.parsedValue!.toSchema().toBER(false)), format: 'der', type: 'pkcs8' }));
        } else if (bag.bagId === BAG.key) {
          const pki = bag.bagValue as pkijs.PrivateKeyInfo;
          keys.push(createPrivateKey({ key: Buffer.from(pki.toSchema().toBER(false)), format: 'der', type: 'pkcs8' }));
        }
        if (certs.length > LIMITS.certificates) throw padesError('INVALID_ARGUMENT', 'TOO_LARGE', `the PKCS#12 holds more than ${LIMITS.certificates} certificates`);
      }
    }
    if (keys.length === 0) throw padesError('INVALID_ARGUMENT', 'P12_NO_KEY', 'the PKCS#12 holds no private key (it may be a certificate-only export)');
    for (const key of keys) {
      const cert = certs.find((c) => sameKey(key, c));
      if (cert) {
        rsaKeyOrThrow(key, 'the PKCS#12 key');
        return new Pkcs12Signer(new KeySigner(key, cert.der, certs.filter((c) => c !== cert).map((c) => c.der)));
      }
    }
    throw padesError('INVALID_ARGUMENT', 'P12_NO_KEY', 'the PKCS#12 holds a private key but not its certificate');
  }
}
