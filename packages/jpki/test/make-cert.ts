import { generateKeyPairSync, randomBytes, webcrypto } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ensurePkiEngine } from '../src/engine.js';

/** Minimal certificate factory for the profile tests: a self-signed certificate with given extensions. */

export type KeyKind = 'rsa2048' | 'rsa1024' | 'ec';
const keys = new Map<string, { spki: Buffer; pkcs8: Buffer }>();

function keyPair(kind: KeyKind) {
  let k = keys.get(kind);
  if (!k) {
    const pair =
      kind === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256', publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } })
        : generateKeyPairSync('rsa', { modulusLength: kind === 'rsa1024' ? 1024 : 2048, publicKeyEncoding: { type: 'spki', format: 'der' }, privateKeyEncoding: { type: 'pkcs8', format: 'der' } });
    k = { spki: pair.publicKey, pkcs8: pair.privateKey };
    keys.set(kind, k);
  }
  return k;
}

const ab = (b: Uint8Array) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

export const ext = (extnID: string, critical: boolean, value: { toBER(): ArrayBuffer } | pkijs.PkiObject) =>
  new pkijs.Extension({ extnID, critical, extnValue: value instanceof pkijs.PkiObject ? value.toSchema().toBER() : value.toBER() });

export const keyUsageExt = (firstByte: number, unusedBits: number, critical = true) =>
  ext('2.5.29.15', critical, new asn1js.BitString({ valueHex: ab(new Uint8Array([firstByte])), unusedBits }));

export const policiesExt = (oids: string[]) =>
  ext('2.5.29.32', true, new pkijs.CertificatePolicies({ certificatePolicies: oids.map((policyIdentifier) => new pkijs.PolicyInformation({ policyIdentifier })) }));

export const sanExt = (names: pkijs.GeneralName[]) => ext('2.5.29.17', false, new pkijs.AltName({ altNames: names }));

export async function makeCert(o: { extensions: pkijs.Extension[]; key?: KeyKind; hash?: 'SHA-256' | 'SHA-1' }): Promise<pkijs.Certificate> {
  ensurePkiEngine();
  const kind = o.key ?? 'rsa2048';
  const { spki, pkcs8 } = keyPair(kind);
  const hash = o.hash ?? 'SHA-256';
  const alg = kind === 'ec' ? { name: 'ECDSA', namedCurve: 'P-256' } : { name: 'RSASSA-PKCS1-v1_5', hash };
  const key = (await webcrypto.subtle.importKey('pkcs8', pkcs8, alg, false, ['sign'])) as CryptoKey;
  const cert = new pkijs.Certificate();
  cert.version = 2;
  cert.serialNumber = new asn1js.Integer({ valueHex: ab(Buffer.concat([Buffer.from([1]), randomBytes(7)])) });
  const name = new pkijs.RelativeDistinguishedNames({ typesAndValues: [new pkijs.AttributeTypeAndValue({ type: '2.5.4.3', value: new asn1js.Utf8String({ value: 'test' }) })] });
  cert.subject = name;
  cert.issuer = name;
  cert.notBefore.value = new Date(Date.now() - 60_000);
  cert.notAfter.value = new Date(Date.now() + 86_400_000);
  cert.subjectPublicKeyInfo = new pkijs.PublicKeyInfo({ schema: asn1js.fromBER(spki).result });
  cert.extensions = o.extensions;
  await cert.sign(key, hash);
  return cert;
}

/** DER of a certificate, as a verifier would receive it. */
export const der = (cert: pkijs.Certificate) => new Uint8Array(cert.toSchema().toBER());
