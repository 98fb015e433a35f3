import { createHash, generateKeyPair, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ab, fromPem } from './pem.js';

const generate = promisify(generateKeyPair);

/** A key pair as the PKI keeps it: PKCS#8 PEM on disk, a WebCrypto key for pkijs to sign with. */
export interface RsaKey {
  privatePem: string;
  /** SubjectPublicKeyInfo DER. */
  spki: Buffer;
  signer: CryptoKey;
}

const RSA_SHA256 = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' } as const;

/** Imports a PKCS#8 PEM private key for signing with pkijs. */
export async function importSigningKey(privatePem: string): Promise<CryptoKey> {
  return webcrypto.subtle.importKey('pkcs8', ab(fromPem(privatePem, 'PRIVATE KEY')), RSA_SHA256, false, ['sign']) as Promise<CryptoKey>;
}

/** One RSA-2048 key. node's generateKeyPair runs on the libuv pool, so several run in parallel. */
export async function generateRsaKey(): Promise<RsaKey> {
  const { publicKey, privateKey } = await generate('rsa', {
    modulusLength: 2048,
    publicExponent: 0x10001,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privatePem: privateKey, spki: publicKey, signer: await importSigningKey(privateKey) };
}

/** `n` keys generated concurrently (the pool has 4 threads; 2 cores keep them busy). */
export function generateRsaKeys(n: number): Promise<RsaKey[]> {
  return Promise.all(Array.from({ length: n }, () => generateRsaKey()));
}

export function publicKeyInfo(spki: Uint8Array): pkijs.PublicKeyInfo {
  return new pkijs.PublicKeyInfo({ schema: asn1js.fromBER(spki).result });
}

/** RFC 5280 method 1: SHA-1 of the subjectPublicKey BIT STRING's value. */
export function keyIdentifier(spki: pkijs.PublicKeyInfo): Buffer {
  return createHash('sha1').update(spki.subjectPublicKey.valueBlock.valueHexView).digest();
}
