import { webcrypto } from 'node:crypto';
import * as pkijs from 'pkijs';

let ready = false;

/**
 * Points pkijs at Node's WebCrypto. pkijs guesses an engine on import, but every caller that signs
 * or verifies goes through here so that the choice is explicit and made once.
 */
export function ensurePkiEngine(): void {
  if (ready) return;
  const crypto = webcrypto as unknown as Crypto;
  pkijs.setEngine('node-webcrypto', new pkijs.CryptoEngine({ name: 'node-webcrypto', crypto }));
  ready = true;
}
