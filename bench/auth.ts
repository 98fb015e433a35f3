// What checking a caller costs a service, in process: verifying a platform access token (ES256,
// the auth service's default, and RS256) against the platform's JWKS, then the method's role and
// the request's tenant, as packages/rpc's handlers do for every call. First every call with a new
// token (the worst case), then tokens used again, as a client uses its token until it renews it.
//
//   npx tsx bench/auth.ts            BENCH_TOKENS=5000
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import os from 'node:os';
import { SignJWT, type JWK } from 'jose';
import { allow, authorize, callerClaims, PLATFORM_AUDIENCE, tenantOf, TokenVerifier } from '@jitsuin/auth';
import { machine } from './proc.js';

const TOKENS = Number(process.env.BENCH_TOKENS ?? 5000);
const ISSUER = 'http://127.0.0.1:8060';
const READERS = allow('sender', 'auditor', 'admin', 'signing', 'verification');

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

async function run(alg: 'ES256' | 'RS256') {
  const { privateKey, publicKey } = alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = randomUUID();
  const verifier = new TokenVerifier({ issuer: ISSUER, keys: { set: { keys: [{ ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg }] } } });
  const tokens: string[] = [];
  for (let i = 0; i < TOKENS; i++) {
    const claims = callerClaims({ subject: `client-${i}`, clientId: `client-${i}`, roles: ['sender'], tenantId: 'bank-a' });
    tokens.push(
      await new SignJWT(claims).setProtectedHeader({ alg, kid, typ: 'at+jwt' }).setIssuer(ISSUER).setAudience(PLATFORM_AUDIENCE).setIssuedAt().setExpirationTime('5m').setJti(randomUUID()).sign(privateKey),
    );
  }
  // Warm-up: the JIT and jose's key import.
  for (const token of tokens.slice(0, 200)) await verifier.verify(token);
  const times: number[] = [];
  for (const token of tokens) {
    const start = performance.now();
    const caller = await verifier.verify(token);
    authorize(caller, READERS, 'GetContract');
    tenantOf(caller, 'bank-a');
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  // As calls come: a client sends its token with every call until it renews it; here each token
  // ten times, interleaved (the verifier knows a token it has verified until the token expires).
  const reusedVerifier = new TokenVerifier({ issuer: ISSUER, keys: { set: { keys: [{ ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg }] } } });
  const reused: number[] = [];
  const some = tokens.slice(0, Math.floor(TOKENS / 10));
  for (let round = 0; round < 10; round++) {
    for (const token of some) {
      const start = performance.now();
      const caller = await reusedVerifier.verify(token);
      authorize(caller, READERS, 'GetContract');
      tenantOf(caller, 'bank-a');
      reused.push(performance.now() - start);
    }
  }
  reused.sort((a, b) => a - b);
  return {
    alg,
    calls: TOKENS,
    p50ms: quantile(times, 0.5),
    p99ms: quantile(times, 0.99),
    maxMs: times.at(-1)!,
    reused: { calls: reused.length, p50ms: quantile(reused, 0.5), p99ms: quantile(reused, 0.99) },
  };
}

console.log(JSON.stringify({ machine: machine(), loadavg: os.loadavg().map((l) => l.toFixed(2)) }));
for (const alg of ['ES256', 'RS256'] as const) {
  const r = await run(alg);
  console.log(`${r.alg}: ${r.calls} new tokens, verify + authorize p50 ${r.p50ms.toFixed(3)} ms, p99 ${r.p99ms.toFixed(3)} ms, max ${r.maxMs.toFixed(3)} ms`);
  console.log(`${r.alg}: ${r.reused.calls} calls, each token 10 times: p50 ${r.reused.p50ms.toFixed(4)} ms, p99 ${r.reused.p99ms.toFixed(4)} ms`);
}
