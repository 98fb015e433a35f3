import { randomBytes } from 'node:crypto';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { ensurePkiEngine } from '@jitsuin/jpki';
import { ab } from './pem.js';

const BAG = { shroudedKey: '1.2.840.113549.1.12.10.1.2', cert: '1.2.840.113549.1.12.10.1.3' } as const;
const ATTR = { friendlyName: '1.2.840.113549.1.9.20', localKeyId: '1.2.840.113549.1.9.21' } as const;
const X509_CERT_BAG = '1.2.840.113549.1.9.22.1';

const attrs = (name: string, localKeyId: ArrayBuffer) => [
  new pkijs.Attribute({ type: ATTR.friendlyName, values: [new asn1js.BmpString({ value: name })] }),
  new pkijs.Attribute({ type: ATTR.localKeyId, values: [new asn1js.OctetString({ valueHex: localKeyId })] }),
];

/**
 * A password-protected PKCS#12 the way OpenSSL 3 writes one: the key in a PKCS8ShroudedKeyBag and
 * the certificates in a password-encrypted SafeContents (PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC),
 * integrity by HMAC-SHA256 with the PKCS#12 KDF.
 */
export async function buildPkcs12(o: { pkcs8: Uint8Array; cert: pkijs.Certificate; chain: pkijs.Certificate[]; password: string; friendlyName: string }): Promise<Buffer> {
  ensurePkiEngine();
  const password = ab(Buffer.from(o.password, 'utf8'));
  const localKeyId = ab(randomBytes(20));
  const key = new pkijs.PrivateKeyInfo({ schema: asn1js.fromBER(o.pkcs8).result });
  // pkijs draws the IV itself; the type asks for one anyway.
  const contentEncryptionAlgorithm = { name: 'AES-CBC', length: 256 } as pkijs.ContentEncryptionAlgorithm;
  const pbe = { password, contentEncryptionAlgorithm, hmacHashAlgorithm: 'SHA-256', iterationCount: 2048 };

  const certBags = [o.cert, ...o.chain].map(
    (c, i) =>
      new pkijs.SafeBag({
        bagId: BAG.cert,
        bagValue: new pkijs.CertBag({ certId: X509_CERT_BAG, parsedValue: c }),
        bagAttributes: i === 0 ? attrs(o.friendlyName, localKeyId) : undefined,
      }),
  );
  const keyBag = new pkijs.SafeBag({ bagId: BAG.shroudedKey, bagValue: new pkijs.PKCS8ShroudedKeyBag({ parsedValue: key }), bagAttributes: attrs(o.friendlyName, localKeyId) });

  const pfx = new pkijs.PFX({
    parsedValue: {
      integrityMode: 0,
      authenticatedSafe: new pkijs.AuthenticatedSafe({
        parsedValue: {
          safeContents: [
            { privacyMode: 0, value: new pkijs.SafeContents({ safeBags: [keyBag] }) },
            { privacyMode: 1, value: new pkijs.SafeContents({ safeBags: certBags }) },
          ],
        },
      }),
    },
  });
  await (keyBag.bagValue as pkijs.PKCS8ShroudedKeyBag).makeInternalValues(pbe);
  await pfx.parsedValue!.authenticatedSafe!.makeInternalValues({ safeContents: [{}, pbe] });
  await pfx.makeInternalValues({ password, iterations: 2048, pbkdf2HashAlgorithm: 'SHA-256', hmacHashAlgorithm: 'SHA-256' });
  return Buffer.from(pfx.toSchema().toBER(false));
}
