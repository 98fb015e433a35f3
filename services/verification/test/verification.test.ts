import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeadLetterHeaders, encodeEvent, newEvent, Topics } from '@jitsuin/events';
import { Indication, RevocationStatus } from '@jitsuin/proto/verification/v1/verification';
import { callUnary } from '@jitsuin/rpc';
import { pemCertificates, Pkcs12Signer } from '@jitsuin/pades';
import { deadLettersOf, type DeadLetter } from '@jitsuin/testkit/kafka';
import { testInfra } from '@jitsuin/testkit/vitest';
import { verifyPdf } from '@jitsuin/verify';
import {
  addRevision,
  collectEvents,
  contractPdf,
  getDocument,
  publish,
  publishEvents,
  signed,
  startWorld,
  statusOf,
  upload,
  verifyStored,
  verifyUpload,
  withoutCheckTimes,
  type World,
} from './harness.js';

/**
 * The verification service against the real document service, Kafka, FerretDB and the test
 * PKI's OCSP, CRL and TSA servers: the three ways in (library, service, CLI) agree, stored
 * revisions, the signature.applied → verification.completed flow and the verdict on the
 * revision, tampering, bad input, CheckCertificate, dead letters and the HTML pages.
 */

const exec = promisify(execFile);
const REPO = resolve(import.meta.dirname, '../../..');
const TSX = join(REPO, 'node_modules/.bin/tsx');
const MAIN = join(REPO, 'packages/cli/src/main.ts');

let world: World;
let blt: Buffer;

beforeAll(async () => {
  world = await startWorld();
  blt = await signed(world, contractPdf('B-LT'), world.card('yamada-taro'), 'B-LT');
}, 240_000);

afterAll(async () => {
  await world?.close();
});

const libraryReport = (pdf: Buffer) => verifyPdf(pdf, { trustAnchors: [pemText()], allowJpkiTestHierarchy: true });
let trustPem: string;
const pemText = () => trustPem;
beforeAll(async () => {
  trustPem = await readFile(world.trustFile, 'utf8');
});

describe('the three ways in give the same report', () => {
  it('library, service (upload) and CLI --json agree on a B-LT card signature, apart from the time of the check', async () => {
    const library = await libraryReport(blt);
    expect(library.document).toEqual({ indication: 'TOTAL_PASSED', subIndication: null, signatureCount: 1 });

    const service = await verifyUpload(world.client, blt, {}, 7 * 1024);
    expect(service).toMatchObject({ indication: Indication.INDICATION_TOTAL_PASSED, subIndication: '', signatureCount: 1 });

    const file = join(world.root, 'blt.pdf');
    await writeFile(file, blt);
    const cli = await exec(TSX, [MAIN, 'verify', file, '--trust', world.trustFile, '--allow-test-jpki', '--json'], { cwd: REPO, encoding: 'utf8', timeout: 120_000 });

    const expected = withoutCheckTimes(JSON.stringify(library));
    expect(withoutCheckTimes(service.reportJson)).toEqual(expected);
    expect(withoutCheckTimes(cli.stdout)).toEqual(expected);
    expect(JSON.parse(service.reportJson).signatures[0]).toMatchObject({ level: 'B-LT', signer: { jpki: { name: '山田　太郎' } }, revocation: { status: 'GOOD', meaningCode: 'ALIVE' } });
  }, 180_000);

  it('offline and as at a time reach the library through the service', async () => {
    const offline = await verifyUpload(world.client, blt, { offline: true });
    expect(JSON.parse(offline.reportJson).signatures[0].revocation).toMatchObject({ status: 'GOOD', source: 'DSS' });
    const before = await verifyUpload(world.client, blt, { at: new Date('2000-01-01T00:00:00Z') });
    expect(before.indication).not.toBe(Indication.INDICATION_TOTAL_PASSED);
    expect(withoutCheckTimes(before.reportJson)).toEqual(withoutCheckTimes(JSON.stringify(await verifyPdf(blt, { trustAnchors: [trustPem], allowJpkiTestHierarchy: true, at: new Date('2000-01-01T00:00:00Z') }))));
  });
});

describe('stored revisions', () => {
  it('verifies a revision downloaded from the document service: the same report as the upload', async () => {
    const tenantId = `bank-${randomUUID().slice(0, 8)}`;
    const original = contractPdf('stored');
    const document = await upload(world, tenantId, original);
    const signedPdf = await signed(world, original, world.card('yamada-hanako'), 'B-T');
    const revisionId = await addRevision(world, tenantId, document, signedPdf);

    const stored = await verifyStored(world.client, { tenantId, documentId: document.id, revisionId });
    expect(stored).toMatchObject({ indication: Indication.INDICATION_TOTAL_PASSED, signatureCount: 1 });
    expect(withoutCheckTimes(stored.reportJson)).toEqual(withoutCheckTimes((await verifyUpload(world.client, signedPdf)).reportJson));

    // The original has no signature.
    const unsigned = await verifyStored(world.client, { tenantId, documentId: document.id, revisionId: document.headRevisionId });
    expect(unsigned).toMatchObject({ indication: Indication.INDICATION_NO_SIGNATURE_FOUND, signatureCount: 0 });

    expect(await statusOf(verifyStored(world.client, { tenantId: 'another-bank', documentId: document.id, revisionId }))).toMatchObject({ code: status.NOT_FOUND });
    expect(await statusOf(verifyStored(world.client, { tenantId, documentId: document.id, revisionId: 'bad id!' }))).toMatchObject({ code: status.INVALID_ARGUMENT });
  });
});

describe('signature.applied', () => {
  it('verifies the new revision once, stores the report, emits verification.completed, and the revision carries the verdict', async () => {
    const tenantId = `bank-${randomUUID().slice(0, 8)}`;
    const contractId = `contract-${randomUUID().slice(0, 8)}`;
    const original = contractPdf('event');
    const document = await upload(world, tenantId, original);
    const signedPdf = await signed(world, original, world.card('yamada-taro'), 'B-T');
    const revisionId = await addRevision(world, tenantId, document, signedPdf);
    const completed = await collectEvents(tenantId, Topics.verification);
    try {
      const applied = newEvent({
        tenantId,
        subject: contractId,
        payload: { $case: 'signatureApplied', value: { contractId, documentId: document.id, partyId: 'borrower', revisionId, fieldName: 'Borrower', level: 2, certificateSerial: '01' } },
      });
      // The same event twice: delivered at least once, verified once.
      await publishEvents([applied]);
      await publishEvents([applied]);

      await expect.poll(() => completed.events.length, { timeout: 60_000, interval: 200 }).toBeGreaterThanOrEqual(1);
      const event = completed.events[0]!;
      expect(event.type).toBe('verification.completed');
      expect(event.subject).toBe(contractId);
      expect(event.correlationId).toBe(applied.correlationId);
      expect(event.payload).toEqual({
        $case: 'verificationCompleted',
        value: { contractId, documentId: document.id, revisionId, indication: Indication.INDICATION_TOTAL_PASSED, subIndication: '', signatureCount: 1, differingFacts: [] },
      });

      const { report } = await callUnary(world.client.getReport.bind(world.client), { tenantId, revisionId });
      expect(report).toMatchObject({ tenantId, contractId, documentId: document.id, revisionId, indication: Indication.INDICATION_TOTAL_PASSED, signatureCount: 1 });
      expect(JSON.parse(report!.reportJson).signatures[0].signer.jpki.name).toBe('山田　太郎');

      // The document service records the verdict on the revision.
      await expect
        .poll(async () => (await getDocument(world, tenantId, document.id)).revisions.find((r) => r.id === revisionId)?.verification, { timeout: 30_000, interval: 200 })
        .toMatchObject({ indication: Indication.INDICATION_TOTAL_PASSED, subIndication: '', signatureCount: 1, reportId: revisionId });
      const doc = await getDocument(world, tenantId, document.id);
      expect(doc.revisions.find((r) => r.id === document.headRevisionId)?.verification).toBeUndefined();

      // The stored report as a page, through the signed link GetReport gives.
      const { reportUrl } = await callUnary(world.client.getReport.bind(world.client), { tenantId, revisionId });
      expect(reportUrl.startsWith(`${world.service.httpUrl}/reports/${tenantId}/${revisionId}.html?token=`)).toBe(true);
      const page = await fetch(reportUrl);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/text\/html/);
      const html = await page.text();
      expect(html).toContain('山田　太郎');
      expect(html).toMatch(/有効/);
      expect(html).toMatch(/VALID/);
      expect(html).not.toMatch(/NOT VALID/);
      const json = await fetch(reportUrl.replace('.html?', '.json?'));
      expect(await json.json()).toEqual(JSON.parse(report!.reportJson));
      expect((await fetch(reportUrl.replace(`/reports/${tenantId}/`, '/reports/another-bank/'))).status).toBe(403);

      // Still one verdict after the duplicate.
      await new Promise((r) => setTimeout(r, 1500));
      expect(completed.events).toHaveLength(1);
    } finally {
      await completed.stop();
    }
  }, 120_000);

  it('sends a malformed message and an event without its ids to the dead-letter topic, and goes on', async () => {
    const tenantId = `bank-${randomUUID().slice(0, 8)}`;
    const noIds = newEvent({
      tenantId,
      subject: 'contract-x',
      payload: { $case: 'signatureApplied', value: { contractId: 'contract-x', documentId: '', partyId: '', revisionId: '', fieldName: '', level: 0, certificateSerial: '' } },
    });
    const unknownRevision = newEvent({
      tenantId,
      subject: 'contract-y',
      payload: { $case: 'signatureApplied', value: { contractId: 'contract-y', documentId: 'no-such-document', partyId: '', revisionId: 'no-such-revision', fieldName: '', level: 0, certificateSerial: '' } },
    });
    await publish(Topics.signature, [
      { key: 'contract-x', value: Buffer.from('not an event at all') },
      { key: 'contract-x', value: encodeEvent(noIds) },
    ]);
    await publishEvents([unknownRevision]);
    // This group may dead-letter other files' events too (signature.applied of revisions it
    // cannot find): wait for these three.
    const ours = (found: DeadLetter[]) =>
      found.some((l) => l.value.equals(Buffer.from('not an event at all'))) &&
      found.some((l) => l.value.equals(encodeEvent(noIds))) &&
      found.some((l) => /no-such-revision|has no revision/.test(l.headers[DeadLetterHeaders.error] ?? ''));
    const letters = await deadLettersOf(testInfra().kafka, world.config.groupId, ours);
    const byValue = (v: Buffer) => letters.find((l) => l.value.equals(v));
    expect(byValue(Buffer.from('not an event at all'))?.headers[DeadLetterHeaders.attempts]).toBe('0');
    expect(byValue(encodeEvent(noIds))?.headers[DeadLetterHeaders.error]).toMatch(/names no document or revision/);
    expect(letters.find((l) => l.headers[DeadLetterHeaders.error]?.includes('no-such-revision') || l.headers[DeadLetterHeaders.error]?.includes('has no revision'))).toBeDefined();
  }, 120_000);
});

describe('tampering and bad input', () => {
  it('a byte changed inside the signed range: TOTAL_FAILED through the service', async () => {
    const tampered = Buffer.from(blt);
    const at = tampered.indexOf('Jitsuin B-LT');
    tampered[at] = tampered[at]! ^ 0x01;
    const r = await verifyUpload(world.client, tampered);
    expect(r.indication).toBe(Indication.INDICATION_TOTAL_FAILED);
    expect(r.subIndication).toBe('HASH_FAILURE');
  });

  it('garbage, an empty upload and a missing start are INVALID_ARGUMENT; too large is RESOURCE_EXHAUSTED', async () => {
    const garbage = await statusOf(verifyUpload(world.client, Buffer.from('this is not a PDF, just words')));
    expect(garbage.code).toBe(status.INVALID_ARGUMENT);
    expect(garbage.details).toMatch(/PDF/);
    expect((await statusOf(verifyUpload(world.client, Buffer.alloc(0)))).code).toBe(status.INVALID_ARGUMENT);
    const noStart = await statusOf(
      (async () => {
        const { callClientStream } = await import('@jitsuin/rpc');
        return callClientStream(world.client.verifyDocument.bind(world.client), [{ part: { $case: 'chunk', value: Buffer.from('%PDF-') } }]);
      })(),
    );
    expect(noStart).toMatchObject({ code: status.INVALID_ARGUMENT });
    expect(noStart.details).toMatch(/first message must be the start/);

    const small = await world.startAnother({ maxDocumentBytes: 4096 });
    const big = await statusOf(verifyUpload(small.client, blt, {}, 1024));
    expect(big.code).toBe(status.RESOURCE_EXHAUSTED);
    expect(big.details).toMatch(/larger than the 4096 bytes/);
  });
});

describe('CheckCertificate', () => {
  const certOf = async (personId: string) => Buffer.from(world.card(personId).certificate);

  it('a good JPKI signing certificate: GOOD, ALIVE in Japanese and English, from OCSP', async () => {
    const r = await callUnary(world.client.checkCertificate.bind(world.client), { certificate: await certOf('sato-misaki'), at: undefined, intermediates: [] });
    expect(r).toMatchObject({ status: RevocationStatus.REVOCATION_STATUS_GOOD, reason: '', meaningCode: 'ALIVE', source: 'OCSP' });
    expect(r.meaningJa).toMatch(/有効/);
    expect(r.meaningEn).toMatch(/alive/);
    expect(r.checkedAt!.getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('a revoked one: REVOKED with the reason, when and what it means; as at a time before, GOOD', async () => {
    const revokedAt = new Date(Date.now() - 3_600_000);
    await world.pki.controls.revoke('takahashi-ken', 'signing', 'superseded', revokedAt);
    const certificate = await certOf('takahashi-ken');
    const r = await callUnary(world.client.checkCertificate.bind(world.client), { certificate, at: undefined, intermediates: [] });
    expect(r).toMatchObject({ status: RevocationStatus.REVOCATION_STATUS_REVOKED, reason: 'superseded', meaningCode: 'RENEWED' });
    expect(Math.abs(r.revokedAt!.getTime() - revokedAt.getTime())).toBeLessThan(1000);
    expect(r.meaningJa).toMatch(/更新/);
    expect(r.meaningEn).toMatch(/renewed/);

    const before = await callUnary(world.client.checkCertificate.bind(world.client), { certificate, at: new Date(revokedAt.getTime() - 60_000), intermediates: [] });
    expect(before).toMatchObject({ status: RevocationStatus.REVOCATION_STATUS_GOOD, reason: 'superseded', meaningCode: 'ALIVE' });
    expect(before.message).toMatch(/revoked later/);
  });

  it('a card on hold: certificateHold means lost or stolen', async () => {
    await world.pki.controls.revoke('ito-sakura', 'signing', 'certificateHold', new Date(Date.now() - 60_000));
    const r = await callUnary(world.client.checkCertificate.bind(world.client), { certificate: await certOf('ito-sakura'), at: undefined, intermediates: [] });
    expect(r).toMatchObject({ status: RevocationStatus.REVOCATION_STATUS_REVOKED, reason: 'certificateHold', meaningCode: 'CARD_LOST_OR_STOLEN' });
    expect(r.meaningJa).toMatch(/紛失・盗難/);
  });

  it('a seal (not JPKI): status without a JPKI meaning; garbage INVALID_ARGUMENT; an untrusted issuer FAILED_PRECONDITION', async () => {
    const lender = world.manifest.seals.lender!;
    const seal = await Pkcs12Signer.open(await readFile(join(world.pkiDir, lender.p12)), lender.password);
    const sealStatus = await callUnary(world.client.checkCertificate.bind(world.client), { certificate: Buffer.from(seal.certificate), at: undefined, intermediates: [] });
    expect(sealStatus).toMatchObject({ status: RevocationStatus.REVOCATION_STATUS_GOOD, meaningCode: '', meaningJa: '', meaningEn: '' });

    const tsaCert = pemCertificates(await readFile(join(world.pkiDir, 'trust/organisation-roots.pem'), 'utf8'))[0]!;
    const root = await statusOf(callUnary(world.client.checkCertificate.bind(world.client), { certificate: tsaCert, at: undefined, intermediates: [] }));
    expect(root).toMatchObject({ code: status.FAILED_PRECONDITION });
    expect(root.details).toMatch(/trust anchor/);

    expect((await statusOf(callUnary(world.client.checkCertificate.bind(world.client), { certificate: Buffer.from('nope'), at: undefined, intermediates: [] }))).code).toBe(status.INVALID_ARGUMENT);

    const noAnchors = await world.startAnother({ trustAnchorPaths: [] });
    const untrusted = await statusOf(callUnary(noAnchors.client.checkCertificate.bind(noAnchors.client), { certificate: await certOf('sato-misaki'), at: undefined, intermediates: [] }));
    expect(untrusted).toMatchObject({ code: status.FAILED_PRECONDITION });
    expect(untrusted.details).toMatch(/no trust anchors are configured/);
  });
});

describe('the HTML page', () => {
  it('POST /verify answers with the report page; garbage and a bad time are 400', async () => {
    const ok = await fetch(`${world.service.httpUrl}/verify`, { method: 'POST', body: new Uint8Array(blt), headers: { 'content-type': 'application/pdf' } });
    expect(ok.status).toBe(200);
    const html = await ok.text();
    expect(html).toContain('山田　太郎');
    expect(html).toContain('B-LT');
    expect(html).toMatch(/署名後の変更/);

    const tampered = Buffer.from(blt);
    const at = tampered.indexOf('Jitsuin B-LT');
    tampered[at] = tampered[at]! ^ 0x01;
    const invalid = await (await fetch(`${world.service.httpUrl}/verify`, { method: 'POST', body: new Uint8Array(tampered) })).text();
    expect(invalid).toMatch(/無効/);
    expect(invalid).toMatch(/NOT VALID/);

    const bad = await fetch(`${world.service.httpUrl}/verify`, { method: 'POST', body: 'garbage' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/PDF/);
    expect((await fetch(`${world.service.httpUrl}/verify?at=yesterday`, { method: 'POST', body: new Uint8Array(blt) })).status).toBe(400);
  });
});
