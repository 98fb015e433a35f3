import { execFileSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KeySigner } from '@jitsuin/pades';
import { signWith } from '@jitsuin/signer';
import { makePdf } from '@jitsuin/testkit';
import { verifyPdfIntegrity } from '../src/index.js';

/** A self-signed certificate for an RSA key of `bits`, made with the openssl CLI. */
function selfSigned(bits: number): KeySigner {
  const dir = mkdtempSync(join(tmpdir(), 'jitsuin-verify-weak-'));
  try {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', `rsa:${bits}`, '-nodes', '-keyout', key, '-out', cert, '-subj', `/CN=RSA ${bits} test seal`, '-days', '1', '-sha256'], { stdio: 'ignore' });
    return new KeySigner(createPrivateKey(readFileSync(key)), readFileSync(cert, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('algorithm policy', () => {
  it('an RSA-1024 signer: INDETERMINATE CRYPTO_CONSTRAINTS_FAILURE, though digest and signature verify', async () => {
    const signed = Buffer.concat((await signWith(makePdf(), selfSigned(1024), { placement: { fieldName: 'Weak' }, level: 'B-B' })).parts);
    const s = verifyPdfIntegrity(signed).signatures[0]!;
    expect(s).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'CRYPTO_CONSTRAINTS_FAILURE', integrity: { digestMatches: true, signatureValid: true } });
    expect(s.messages.join('\n')).toMatch(/1024 bits; 2048 or more/);
  });

  it('an RSA-2048 self-signed seal passes the policy (INDETERMINATE only for the unchecked chain)', async () => {
    const signed = Buffer.concat((await signWith(makePdf(), selfSigned(2048), { placement: { fieldName: 'Strong' }, level: 'B-B' })).parts);
    expect(verifyPdfIntegrity(signed).signatures[0]).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' });
  });
});
