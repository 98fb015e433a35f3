import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RevocationReason } from '@jitsuin/jpki';
import { extend, signWith } from '@jitsuin/signer';
import { makePdf } from '@jitsuin/testkit';
import { crlRevocationSource, jpkiRevocationSource, ocspRevocationSource, type SignatureReport, verifyPdf, type VerifyOptions } from '../src/index.js';
import { alterCmsPart } from './helpers.js';
import { setupValidationPki, type ValidationPki } from './validation-helpers.js';

let pki: ValidationPki;
let trustAll: string;
let opts: VerifyOptions;
const pdf = (label: string) => makePdf(8 * 1024, `Jitsuin ${label}`);
const join = (r: { parts: Buffer[] }) => Buffer.concat(r.parts);

/** PDFs signed once in beforeAll, by level. */
const signed: Record<string, Buffer> = {};

beforeAll(async () => {
  pki = await setupValidationPki();
  trustAll = await pki.trust('all');
  opts = { trustAnchors: [trustAll], allowJpkiTestHierarchy: true };
  const taro = await pki.card('yamada-taro');
  for (const level of ['B-B', 'B-T', 'B-LT', 'B-LTA'] as const) {
    signed[level] = join(await signWith(pdf(`card ${level}`), taro, { placement: { fieldName: 'Borrower' }, level, tsaUrl: pki.tsaUrl }));
  }
  signed.seal = join(await signWith(pdf('seal'), await pki.seal('lender'), { placement: { fieldName: 'BankSeal' }, level: 'B-T', tsaUrl: pki.tsaUrl }));
  // The mortgage: lender certifies (DocMDP 2) with fields for the parties, two cards, the bank seal; then B-LTA twice.
  const box = (x: number, y: number) => ({ x, y, width: 240, height: 72 });
  let current = join(
    await signWith(makePdf(32 * 1024, 'Jitsuin mortgage loan agreement'), await pki.seal('lender'), {
      placement: { fieldName: 'LenderCertification', page: 1, rect: box(310, 700) },
      level: 'B-T',
      tsaUrl: pki.tsaUrl,
      certify: 2,
      addFields: [
        { fieldName: 'Borrower', page: 1, rect: box(40, 560) },
        { fieldName: 'CoBorrower', page: 1, rect: box(310, 560) },
        { fieldName: 'BankSeal', page: 1, rect: box(310, 460) },
      ],
    }),
  );
  for (const [fieldName, person] of [['Borrower', 'yamada-taro'], ['CoBorrower', 'yamada-hanako']] as const) {
    current = join(await signWith(current, await pki.card(person), { placement: { fieldName }, level: 'B-T', tsaUrl: pki.tsaUrl }));
  }
  signed.mortgage = join(await signWith(current, await pki.seal('lender'), { placement: { fieldName: 'BankSeal' }, level: 'B-LTA', tsaUrl: pki.tsaUrl }));
  signed.mortgageLta2 = join(await extend(signed.mortgage, 'B-LTA', { tsaUrl: pki.tsaUrl }));
  signed.gen1 = join(await signWith(pdf('gen1'), await pki.card('suzuki-ichiro'), { placement: { fieldName: 'Guarantor' }, level: 'B-T', tsaUrl: pki.tsaUrl }));
}, 300_000);

afterAll(async () => {
  await pki?.close();
});

const only = (report: { signatures: SignatureReport[] }) => {
  expect(report.signatures).toHaveLength(1);
  return report.signatures[0]!;
};

describe('PDFs the signer produces', () => {
  it.each([
    ['B-B', 'B-B'],
    ['B-T', 'B-T'],
    ['B-LT', 'B-LT'],
  ])('a card signature at %s: TOTAL_PASSED, level %s, the basic-4 facts and ALIVE', async (key, level) => {
    const report = await verifyPdf(signed[key]!, opts);
    expect(report.document).toEqual({ indication: 'TOTAL_PASSED', subIndication: null, signatureCount: 1 });
    const s = only(report);
    expect(s).toMatchObject({ field: 'Borrower', level, indication: 'TOTAL_PASSED', subIndication: null });
    expect(s.signer?.jpki).toEqual({ name: '山田　太郎', address: '東京都千代田区架空町１－２－３', dateOfBirth: '1980-04-01', gender: 'MALE' });
    expect(s.revocation).toMatchObject({ status: 'GOOD', reason: null, meaningCode: 'ALIVE', source: 'OCSP' });
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('B-LTA: the signature at B-LTA and the document timestamp pass', async () => {
    const report = await verifyPdf(signed['B-LTA']!, opts);
    expect(report.document.indication).toBe('TOTAL_PASSED');
    expect(report.signatures.map((s) => [s.level, s.indication])).toEqual([
      ['B-LTA', 'TOTAL_PASSED'],
      ['B-LTA', 'TOTAL_PASSED'],
    ]);
    expect(report.signatures[1]!.subFilter).toBe('ETSI.RFC3161');
  });

  it('the mortgage (certification, two cards, the bank seal at B-LTA): every signature passes', async () => {
    const report = await verifyPdf(signed.mortgage!, opts);
    expect(report.document).toEqual({ indication: 'TOTAL_PASSED', subIndication: null, signatureCount: 5 });
    expect(report.signatures.map((s) => [s.field, s.level, s.indication])).toEqual([
      ['LenderCertification', 'B-LTA', 'TOTAL_PASSED'],
      ['Borrower', 'B-LTA', 'TOTAL_PASSED'],
      ['CoBorrower', 'B-LTA', 'TOTAL_PASSED'],
      ['BankSeal', 'B-LTA', 'TOTAL_PASSED'],
      ['DocumentTimestamp5', 'B-LTA', 'TOTAL_PASSED'],
    ]);
    expect(report.signatures.map((s) => s.signer?.jpki?.name ?? null)).toEqual([null, '山田　太郎', '山田　花子', null, null]);
  });

  it('the mortgage with a second document timestamp: the chain of document timestamps passes, online and offline', async () => {
    for (const offline of [false, true]) {
      const report = await verifyPdf(signed.mortgageLta2!, { ...opts, offline });
      expect(report.document, `offline ${offline}`).toMatchObject({ indication: 'TOTAL_PASSED', signatureCount: 6 });
      expect(report.signatures.filter((s) => s.subFilter === 'ETSI.RFC3161')).toHaveLength(2);
    }
  });

  it('a seal (organisation CA): TOTAL_PASSED without JPKI facts or meaning', async () => {
    const s = only(await verifyPdf(signed.seal!, opts));
    expect(s).toMatchObject({ level: 'B-T', indication: 'TOTAL_PASSED', signer: { jpki: null }, revocation: { status: 'GOOD', meaning: null } });
  });

  it('a first-generation JPKI card chains to its own generation among roots that share its DN', async () => {
    expect(only(await verifyPdf(signed.gen1!, opts))).toMatchObject({ indication: 'TOTAL_PASSED', level: 'B-T' });
  });

  it('the file path works as the bytes do', async () => {
    const { writeFile, mkdtemp } = await import('node:fs/promises');
    const { join: j } = await import('node:path');
    const dir = await mkdtemp(j(pki.dir, '..', 'f-'));
    await writeFile(j(dir, 'a.pdf'), signed['B-T']!);
    expect((await verifyPdf(j(dir, 'a.pdf'), opts)).document.indication).toBe('TOTAL_PASSED');
  });
});

describe('chains', () => {
  it('untrusted root: NO_CERTIFICATE_CHAIN_FOUND', async () => {
    const report = await verifyPdf(signed['B-B']!, { ...opts, trustAnchors: [await pki.trust('organisation')] });
    expect(report.document).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' });
    expect(only(report).revocation.status).toBe('NOT_CHECKED');
  });

  it('no trust anchors at all: NO_CERTIFICATE_CHAIN_FOUND', async () => {
    expect(only(await verifyPdf(signed['B-B']!, { allowJpkiTestHierarchy: true })).subIndication).toBe('NO_CERTIFICATE_CHAIN_FOUND');
  });

  it('a second-generation card with only the first generation (same DN) trusted: NO_CERTIFICATE_CHAIN_FOUND', async () => {
    const trust = [await pki.caPem('jpki-sign-g1'), await pki.trust('organisation')];
    expect(only(await verifyPdf(signed['B-B']!, { ...opts, trustAnchors: trust }))).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' });
  });

  it('a first-generation card with only the second generation trusted: NO_CERTIFICATE_CHAIN_FOUND', async () => {
    const trust = [await pki.caPem('jpki-sign-g2'), await pki.trust('organisation')];
    expect(only(await verifyPdf(signed.gen1!, { ...opts, trustAnchors: trust })).subIndication).toBe('NO_CERTIFICATE_CHAIN_FOUND');
  });

  it('a certificate naming the second generation (DN and key identifier) but signed by the first: NO_CERTIFICATE_CHAIN_FOUND', async () => {
    const forged = await pki.remadeCard('yamada-hanako', { signedBy: 'jpki-sign-g1' });
    const out = join(await signWith(pdf('forged'), forged, { placement: { fieldName: 'CoBorrower' }, level: 'B-B' }));
    expect(only(await verifyPdf(out, opts))).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' });
  });

  it('a signature timestamp from a TSA that is not trusted: SIG_CONSTRAINTS_FAILURE', async () => {
    const s = only(await verifyPdf(signed['B-T']!, { ...opts, trustAnchors: [await pki.trust('jpkiSigning')] }));
    expect(s).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'SIG_CONSTRAINTS_FAILURE', level: 'B-T' });
    expect(s.messages.join('\n')).toMatch(/TSA certificate .* trust anchor/);
  });

  it('the real JPKI roots (every generation) load as trust anchors, and a test card does not chain to them', async () => {
    const { readdir, readFile } = await import('node:fs/promises');
    const dir = fileURLToPath(new URL('../../jpki/roots', import.meta.url));
    const roots = await Promise.all((await readdir(dir)).filter((f) => f.endsWith('.pem')).map((f) => readFile(`${dir}/${f}`, 'utf8')));
    expect(roots.length).toBeGreaterThanOrEqual(4);
    expect(only(await verifyPdf(signed['B-B']!, { trustAnchors: roots }))).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'NO_CERTIFICATE_CHAIN_FOUND' });
  });

  it('a tampered signature timestamp: SIG_CONSTRAINTS_FAILURE, not a silent B-B', async () => {
    const tampered = alterCmsPart(signed['B-T']!, 'Borrower', (cms) => cms.signerInfo.signatureTimestampTokens[0]!);
    const s = only(await verifyPdf(tampered, opts));
    expect(s).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'SIG_CONSTRAINTS_FAILURE', integrity: { signatureValid: true } });
  });

  it("a signature made with the card's authentication certificate (no nonRepudiation, no facts): CHAIN_CONSTRAINTS_FAILURE", async () => {
    const { readFile } = await import('node:fs/promises');
    const { KeySigner } = await import('@jitsuin/pades');
    const { CARD_FILES } = await import('@jitsuin/testkit/pki');
    const file = (f: string) => readFile(`${pki.dir}/people/sato-misaki/${f}`, 'utf8');
    const auth = KeySigner.fromPem({ key: await file(CARD_FILES.authKey), certificates: [await file(CARD_FILES.authCert), await file(CARD_FILES.authCa)] });
    const out = join(await signWith(pdf('auth cert'), auth, { placement: { fieldName: 'Tenant' }, level: 'B-B' }));
    const s = only(await verifyPdf(out, opts));
    expect(s).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'CHAIN_CONSTRAINTS_FAILURE', signer: { jpki: null } });
    expect(s.messages.join('\n')).toMatch(/nonRepudiation/);
  });

  it('a JPKI test-hierarchy certificate when only production is accepted: CHAIN_CONSTRAINTS_FAILURE', async () => {
    const s = only(await verifyPdf(signed['B-B']!, { trustAnchors: [trustAll] }));
    expect(s).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'CHAIN_CONSTRAINTS_FAILURE' });
    expect(s.messages.join('\n')).toMatch(/test hierarchy/);
  });
});

describe('validity', () => {
  it('signed with an expired certificate: TOTAL_FAILED EXPIRED', async () => {
    const day = 86_400_000;
    const expired = await pki.remadeCard('yamada-hanako', { notBefore: new Date(Date.now() - 400 * day), notAfter: new Date(Date.now() - day) });
    const out = join(await signWith(pdf('expired'), expired, { placement: { fieldName: 'CoBorrower' }, level: 'B-B' }));
    expect(only(await verifyPdf(out, opts))).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'EXPIRED' });
  });

  it('a certificate that expired after signing: with a timestamp it passes, without it is OUT_OF_BOUNDS_NO_POE', async () => {
    const expiring = await pki.remadeCard('expiring', { notAfter: new Date(Date.now() + 4000) });
    const bb = join(await signWith(pdf('expiring B-B'), expiring, { placement: { fieldName: 'X' }, level: 'B-B' }));
    const bt = join(await signWith(pdf('expiring B-T'), expiring, { placement: { fieldName: 'X' }, level: 'B-T', tsaUrl: pki.tsaUrl }));
    await new Promise((r) => setTimeout(r, 4500));
    expect(only(await verifyPdf(bb, opts))).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'OUT_OF_BOUNDS_NO_POE' });
    expect(only(await verifyPdf(bt, opts))).toMatchObject({ indication: 'TOTAL_PASSED', level: 'B-T' });
  });
});

const MEANINGS: [RevocationReason, string][] = [
  ['affiliationChanged', 'FACTS_CHANGED_OR_REMOVED'],
  ['cessationOfOperation', 'REVOCATION_REQUESTED'],
  ['superseded', 'RENEWED'],
  ['certificateHold', 'CARD_LOST_OR_STOLEN'],
  ['keyCompromise', 'KEY_COMPROMISED'],
];

describe('revocation', () => {
  it.each(MEANINGS)('revoked (%s) before signing: TOTAL_FAILED REVOKED with the reason and its meaning (%s)', async (reason, code) => {
    await pki.servers.controls.revoke(reason, 'signing', reason, new Date(Date.now() - 3_600_000));
    const out = join(await signWith(pdf(`revoked ${reason}`), await pki.card(reason), { placement: { fieldName: 'Signer' }, level: 'B-T', tsaUrl: pki.tsaUrl }));
    for (const sources of [[ocspRevocationSource()], [crlRevocationSource()]]) {
      const s = only(await verifyPdf(out, { ...opts, revocation: sources }));
      expect(s).toMatchObject({ indication: 'TOTAL_FAILED', subIndication: 'REVOKED', revocation: { status: 'REVOKED', reason, meaningCode: code } });
      expect(s.revocation.meaning).toBeTruthy();
    }
  });

  it('revoked after the signature timestamp: passes as at the timestamp, the revocation reported; without a timestamp REVOKED_NO_POE', async () => {
    const card = await pki.card('after-ts');
    const bt = join(await signWith(pdf('after B-T'), card, { placement: { fieldName: 'Signer' }, level: 'B-T', tsaUrl: pki.tsaUrl }));
    const bb = join(await signWith(pdf('after B-B'), card, { placement: { fieldName: 'Signer' }, level: 'B-B' }));
    await new Promise((r) => setTimeout(r, 1100));
    await pki.servers.controls.revoke('after-ts', 'signing', 'affiliationChanged');
    // As at a time before the revocation, the untimestamped one passes too.
    expect(only(await verifyPdf(bb, { ...opts, at: new Date(Date.now() - 1000) }))).toMatchObject({ indication: 'TOTAL_PASSED', revocation: { status: 'REVOKED' } });
    const t = only(await verifyPdf(bt, opts));
    expect(t).toMatchObject({ indication: 'TOTAL_PASSED', revocation: { status: 'REVOKED', reason: 'affiliationChanged', meaningCode: 'FACTS_CHANGED_OR_REMOVED' } });
    expect(only(await verifyPdf(bb, opts))).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'REVOKED_NO_POE' });
  });

  it('OCSP down: INDETERMINATE TRY_LATER with OCSP alone; the CRL answers when it is a source too', async () => {
    pki.servers.controls.ocsp({ down: '503' });
    try {
      const s = only(await verifyPdf(signed['B-B']!, { ...opts, revocation: [ocspRevocationSource({ timeoutMs: 3000 })] }));
      expect(s).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'TRY_LATER' });
      expect(s.messages.join('\n')).toMatch(/503/);
      expect(only(await verifyPdf(signed['B-B']!, opts))).toMatchObject({ indication: 'TOTAL_PASSED', revocation: { source: 'CRL' } });
    } finally {
      pki.servers.controls.ocsp({ down: false });
    }
  });

  it('an OCSP answer older than its delegated responder certificate is refused: TRY_LATER', async () => {
    pki.servers.controls.ocsp({ stale: true });
    try {
      const s = only(await verifyPdf(signed['B-B']!, { ...opts, revocation: [ocspRevocationSource()] }));
      expect(s).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'TRY_LATER' });
      expect(s.messages.join('\n')).toMatch(/outside its responder certificate's validity/);
    } finally {
      pki.servers.controls.ocsp({ stale: false });
    }
  });

  it('OCSP connection reset and tryLater: TRY_LATER', async () => {
    for (const change of [{ down: 'reset' as const }, { tryLater: true }]) {
      pki.servers.controls.ocsp(change);
      try {
        expect(only(await verifyPdf(signed['B-T']!, { ...opts, revocation: [ocspRevocationSource({ timeoutMs: 3000 })] })).subIndication).toBe('TRY_LATER');
      } finally {
        pki.servers.controls.ocsp({ down: false, tryLater: false });
      }
    }
  });

  it('stale OCSP (nextUpdate passed): TRY_LATER, never passed', async () => {
    // The CA signs: the delegated responder's certificate is younger than a two-day-old answer, which is refused before staleness matters.
    pki.servers.controls.ocsp({ stale: true, signer: 'ca' });
    try {
      const s = only(await verifyPdf(signed['B-T']!, { ...opts, revocation: [ocspRevocationSource()] }));
      expect(s).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'TRY_LATER' });
      expect(s.messages.join('\n')).toMatch(/stale/);
    } finally {
      pki.servers.controls.ocsp({ stale: false, signer: 'delegated' });
    }
  });

  it('a JPKI source configured per root generation (the certificates URLs unused)', async () => {
    const jpki = jpkiRevocationSource([
      { issuer: await pki.caPem('jpki-sign-g1'), crlUrl: pki.servers.urls.crl['jpki-sign-g1']! },
      { issuer: await pki.caPem('jpki-sign-g2'), ocspUrl: pki.servers.urls.ocsp },
    ]);
    const sources = [jpki, ocspRevocationSource({ urls: () => [] }), crlRevocationSource({ urls: () => [] })];
    // The organisation's TSA and seals are not JPKI: for them the URL sources are given no URLs, so only the TSA lacks data.
    const withOrg = [jpki, ocspRevocationSource()];
    expect(only(await verifyPdf(signed['B-B']!, { ...opts, revocation: sources }))).toMatchObject({ indication: 'TOTAL_PASSED', revocation: { source: 'JPKI' } });
    expect(only(await verifyPdf(signed.gen1!, { ...opts, revocation: withOrg }))).toMatchObject({ indication: 'TOTAL_PASSED', revocation: { source: 'JPKI' } });
  });
});

describe('the document verdict', () => {
  it('TOTAL_PASSED only when every signature passes: a revoked co-signer fails the document', async () => {
    if (pki.servers.controls.status('keyCompromise').signing.status === 'good') await pki.servers.controls.revoke('keyCompromise', 'signing', 'keyCompromise', new Date(Date.now() - 3_600_000));
    const revoked = join(await signWith(signed['B-T']!, await pki.card('keyCompromise'), { placement: { fieldName: 'Second' }, level: 'B-T', tsaUrl: pki.tsaUrl }));
    const report = await verifyPdf(revoked, opts);
    expect(report.signatures.map((s) => s.indication)).toEqual(['TOTAL_PASSED', 'TOTAL_FAILED']);
    expect(report.document).toEqual({ indication: 'TOTAL_FAILED', subIndication: 'REVOKED', signatureCount: 2 });
  });

  it('no signature: NO_SIGNATURE_FOUND', async () => {
    expect((await verifyPdf(pdf('unsigned'), opts)).document).toEqual({ indication: 'NO_SIGNATURE_FOUND', subIndication: null, signatureCount: 0 });
  });
});

describe('offline, from the DSS', () => {
  it('B-LT and B-LTA pass offline, from the revocation data they embed', async () => {
    for (const key of ['B-LT', 'B-LTA']) {
      const report = await verifyPdf(signed[key]!, { ...opts, offline: true });
      expect(report.document.indication, key).toBe('TOTAL_PASSED');
      expect(report.signatures[0]).toMatchObject({ level: key, revocation: { status: 'GOOD', source: 'DSS' } });
    }
  });

  it('B-B and B-T offline: INDETERMINATE TRY_LATER (nothing embedded)', async () => {
    for (const key of ['B-B', 'B-T']) {
      expect(only(await verifyPdf(signed[key]!, { ...opts, offline: true })), key).toMatchObject({ indication: 'INDETERMINATE', subIndication: 'TRY_LATER', revocation: { status: 'UNKNOWN' } });
    }
  });

  it('a B-T extended to B-LT later passes offline', async () => {
    const lt = join(await extend(signed['B-T']!, 'B-LT'));
    expect(only(await verifyPdf(lt, { ...opts, offline: true }))).toMatchObject({ indication: 'TOTAL_PASSED', level: 'B-LT' });
  });
});
