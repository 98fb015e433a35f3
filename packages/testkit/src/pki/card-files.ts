import { randomInt } from 'node:crypto';
import type * as pkijs from 'pkijs';
import { certDer } from './issue.js';
import { toPem } from './pem.js';
import { writeFileAtomic } from './store.js';

/** The files of a card directory (people/NAME), shared by init, renew and the card simulator. */
export const CARD_FILES = {
  info: 'card.json',
  signingCert: 'signing-cert.pem',
  signingKey: 'signing-key.pem',
  signingCa: 'signing-ca.pem',
  authCert: 'auth-cert.pem',
  authKey: 'auth-key.pem',
  authCa: 'auth-ca.pem',
  password: 'signing-password',
  pin: 'auth-pin',
  state: 'card-state.json',
  history: 'history',
} as const;

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** A JPKI signing password: 6–16 upper-case letters and digits (here 10, with both kinds). */
export function newSigningPassword(): string {
  for (;;) {
    const p = Array.from({ length: 10 }, () => ALNUM[randomInt(ALNUM.length)]).join('');
    if (/[A-Z]/.test(p) && /\d/.test(p)) return p;
  }
}

export const newPin = () => String(randomInt(10_000)).padStart(4, '0');

export async function writeCert(file: string, cert: pkijs.Certificate): Promise<void> {
  await writeFileAtomic(file, toPem(certDer(cert), 'CERTIFICATE'));
}

export async function writeKey(file: string, data: string | Uint8Array): Promise<void> {
  await writeFileAtomic(file, data, 0o600);
}
