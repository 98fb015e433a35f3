// Benchmark of the whole platform: mortgage contracts (3 documents of 1 MiB; the bank
// certifies, borrower and co-borrower sign, then the guarantor, then the bank's seal locks each
// document; B-LTA; completed) end to end, with the four services as processes (the bundles
// ./jitsuin up runs, started by e2e/platform.ts on free ports with databases and consumer groups
// of their own) against the shared Kafka and FerretDB:
//   1. contracts completed per second with N contracts in flight (a new one is sent as soon as
//      one completes), for each N of BENCH_IN_FLIGHT;
//   2. the latency from a contract's last card signature to contract.completed (the event's
//      time) and to its webhook being received (a receiver in this process), p50 and p99;
//   3. where the time goes after the last card signature, per hop, from the events' own times
//      as a consumer of the topics sees them (Kafka's append time besides):
//        card signature.applied → its verification.completed → step 3 opened (the bank's seal)
//        → the bank's last seal (signature.applied) → its verification.completed
//        → contract.signed → last B-LTA revision announced (signature.applied)
//        → its verification.completed → contract.completed → webhook received.
// Not a test: nothing is asserted about time. Prints a table, writes bench/out/lifecycle.json.
//
//   cd /work/main && npx tsx bench/lifecycle.ts        (or: pnpm --filter @jitsuin/bench lifecycle)
//
// Knobs: BENCH_IN_FLIGHT=1,4,10 (contracts in flight), BENCH_CONTRACTS=20 (completed per N,
// after BENCH_WARMUP=2 that are not counted), BENCH_DOC_MIB=1, BENCH_CARDS=4 (card signatures
// at once over all contracts). Times in ms. Other load on the machine (other benchmarks, tests)
// shows in the figures: the load average before and after is in the output.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMortgage, EventTap, limiter, MORTGAGE_PEOPLE, setTenantConfig, Signers, webhookKey, webhookOf, type SeenEvent } from '@jitsuin/e2e/flow';
import { startPlatform } from '@jitsuin/e2e/platform';
import { callUnary } from '@jitsuin/rpc';
import { ensureInfra, ferretDbVersion, kafkaVersion } from '@jitsuin/testkit/infra';
import { startReceiver } from '@jitsuin/testkit/receivers';
import { cleanupSteps, machine, percentile } from './proc.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = path.join(ROOT, 'bench/out');
const IN_FLIGHT = (process.env.BENCH_IN_FLIGHT ?? '1,4,10').split(',').map(Number);
const CONTRACTS = Number(process.env.BENCH_CONTRACTS ?? 20);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 2);
const DOC_BYTES = Math.round(Number(process.env.BENCH_DOC_MIB ?? 1) * 1024 * 1024);
const CARDS = Number(process.env.BENCH_CARDS ?? 4);

const cleanups = cleanupSteps();
const cleanup = cleanups.run;

const round = (n: number, digits = 0) => Math.round(n * 10 ** digits) / 10 ** digits;
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);
const time = (s: SeenEvent) => s.event.time!.getTime();

/** The hops after the last card signature, in order; each a time or undefined when not seen. */
const HOPS = [
  'card signature.applied',
  'its verification.completed',
  'step 3 opened',
  'bank seal signature.applied',
  'its verification.completed ',
  'contract.signed',
  'B-LTA signature.applied',
  'its verification.completed  ',
  'contract.completed',
  'webhook received',
] as const;

interface ContractTimes {
  contractId: string;
  sentAt: number;
  lastCardAt: number;
  completedAt: number;
  webhookAt: number;
  hops: number[];
  /** Kafka append time − event time (the outbox relay), and consumer receive − append, per event. */
  relayMs: number[];
  deliverMs: number[];
}

function hopsOf(events: SeenEvent[], webhookAt: number): number[] {
  const ofType = (type: string) => events.filter((s) => s.event.type === type).sort((a, b) => time(a) - time(b));
  const applied = ofType('signature.applied');
  const verdictOf = (s: SeenEvent | undefined) => {
    const revisionId = s?.event.payload?.$case === 'signatureApplied' ? s.event.payload.value.revisionId : undefined;
    return ofType('verification.completed').find((v) => v.event.payload?.$case === 'verificationCompleted' && v.event.payload.value.revisionId === revisionId);
  };
  const party = (s: SeenEvent) => (s.event.payload?.$case === 'signatureApplied' ? s.event.payload.value.partyId : '');
  const signed = ofType('contract.signed')[0];
  const lastCard = applied.filter((s) => party(s) === 'guarantor').at(-1);
  const step3 = ofType('contract.step_opened').find((s) => s.event.payload?.$case === 'contractStepOpened' && s.event.payload.value.stepIndex === 2);
  // A seal's signature.applied names no party (only a card signature does): the bank's seals are
  // the ones between its step opening and contract.signed.
  const bankSeal = step3 ? applied.filter((s) => party(s) === '' && time(s) >= time(step3) && (!signed || time(s) <= time(signed))).at(-1) : undefined;
  const ltA = signed ? applied.filter((s) => time(s) > time(signed)).at(-1) : undefined;
  const completed = ofType('contract.completed')[0];
  const at = (s: SeenEvent | undefined) => (s ? time(s) : NaN);
  return [at(lastCard), at(verdictOf(lastCard)), at(step3), at(bankSeal), at(verdictOf(bankSeal)), at(signed), at(ltA), at(verdictOf(ltA)), at(completed), webhookAt];
}

async function main(): Promise<void> {
  const host = machine();
  const loadBefore = os.loadavg().map((l) => round(l, 2));
  const infra = await ensureInfra({ log });
  const versions = {
    kafka: kafkaVersion(),
    ferretdb: (await ferretDbVersion()) ?? 'unknown (external)',
    node: host.node,
    commit: execSync('git rev-parse --short HEAD', { cwd: ROOT }).toString().trim(),
  };
  log(`machine: ${host.nproc} cpu ${host.cpu}, ${host.memTotalMiB} MiB; load ${loadBefore.join(' ')}; kafka ${versions.kafka}, ferretdb ${versions.ferretdb}, node ${versions.node}`);

  // In this process: it goes with it.
  const receiver = await startReceiver();
  const runs: unknown[] = [];
  const signatureErrors: string[] = [];
  for (const inFlight of IN_FLIGHT) {
    // A platform of its own per stage: empty databases, so that one stage's stored documents do
    // not weigh on the next (FerretDB reads grow with what a collection holds, see the notes).
    const p = await startPlatform({ ...infra, label: `bench${inFlight}`, people: MORTGAGE_PEOPLE, log });
    cleanups.push(() => p.stop());
    const tap = await EventTap.start(infra.kafka, p.id);
    cleanups.push(() => tap.stop());
    const signers = new Signers(p, tap, CARDS);
    try {
      const tenantId = `${p.id}-n${inFlight}`;
      const hookPath = `/hooks/${tenantId}`;
      await setTenantConfig(p, { tenantId, webhooks: [{ url: `${receiver.url}${hookPath}`, keys: [webhookKey()], eventTypes: ['contract.completed'] }] });
      const total = WARMUP + CONTRACTS;
      log(`${inFlight} in flight: ${total} contracts (${WARMUP} warm-up), documents of ${round(DOC_BYTES / 1048576, 2)} MiB`);
      const completedIds = new Map<string, number>();
      const sentAt = new Map<string, number>();
      const finished: string[] = [];
      const done = new Promise<void>((resolve, reject) => {
        const slot = limiter(inFlight);
        let started = 0;
        const startOne = (): void => {
          if (started >= total) return;
          started++;
          void slot(async () => {
            const c = await createMortgage(p, tenantId, { bytes: DOC_BYTES, send: false });
            signers.add(c);
            const completed = new Promise<void>((res) => {
              const off = tap.on(({ event }) => {
                if (event.subject === c.contractId && event.type === 'contract.completed') {
                  off();
                  res();
                }
              });
            });
            sentAt.set(c.contractId, Date.now());
            await callUnary(p.documents.sendContract.bind(p.documents), { tenantId, contractId: c.contractId });
            await completed;
            completedIds.set(c.contractId, Date.now());
            finished.push(c.contractId);
            if (finished.length === total) resolve();
          })
            .then(startOne)
            .catch(reject);
        };
        for (let i = 0; i < inFlight; i++) startOne();
      });
      await done;
      // The webhooks of the last ones may still be on their way.
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline && receiver.requests.filter((r) => r.path === hookPath && r.status === 200).length < total) await new Promise((r) => setTimeout(r, 100));

      const measured = finished.slice(WARMUP);
      const windowStart = Math.min(...measured.map((id) => sentAt.get(id)!));
      const windowEnd = Math.max(...measured.map((id) => completedIds.get(id)!));
      const hooks = receiver.requests.filter((r) => r.path === hookPath && r.status === 200).map(webhookOf);
      const times: ContractTimes[] = measured.map((contractId) => {
        const events = tap.of(contractId);
        const hook = hooks.find((r) => r.contractId === contractId);
        const hops = hopsOf(events, hook?.receivedAt ?? NaN);
        return {
          contractId,
          sentAt: sentAt.get(contractId)!,
          lastCardAt: signers.lastSignatureAt.get(contractId)!,
          completedAt: hops[8]!,
          webhookAt: hook?.receivedAt ?? NaN,
          hops,
          relayMs: events.map((s) => s.appendedAt - time(s)),
          deliverMs: events.map((s) => s.receivedAt - s.appendedAt),
        };
      });
      const stats = (values: number[]) => {
        const v = values.filter(Number.isFinite).sort((a, b) => a - b);
        return { p50: round(percentile(v, 50)), p99: round(percentile(v, 99)), max: round(v.at(-1) ?? NaN), n: v.length };
      };
      const hopStats = HOPS.slice(1).map((name, i) => ({ from: HOPS[i]!.trim(), to: name.trim(), ...stats(times.map((t) => t.hops[i + 1]! - t.hops[i]!)) }));
      const run = {
        inFlight,
        contracts: measured.length,
        documentBytes: DOC_BYTES,
        wallSeconds: round((windowEnd - windowStart) / 1000, 1),
        contractsPerSecond: round(measured.length / ((windowEnd - windowStart) / 1000), 3),
        sentToCompletedMs: stats(times.map((t) => t.completedAt - t.sentAt)),
        lastCardSignatureToCompletedMs: stats(times.map((t) => t.completedAt - t.lastCardAt)),
        lastCardSignatureToWebhookMs: stats(times.map((t) => t.webhookAt - t.lastCardAt)),
        hops: hopStats,
        outboxToKafkaMs: stats(times.flatMap((t) => t.relayMs)),
        kafkaToConsumerMs: stats(times.flatMap((t) => t.deliverMs)),
      };
      runs.push(run);
      log(`${inFlight} in flight: ${run.contractsPerSecond} contracts/s over ${run.wallSeconds} s; last card signature → completed p50 ${run.lastCardSignatureToCompletedMs.p50} ms p99 ${run.lastCardSignatureToCompletedMs.p99}; → webhook p50 ${run.lastCardSignatureToWebhookMs.p50} p99 ${run.lastCardSignatureToWebhookMs.p99}`);
      console.table(hopStats.map((h) => ({ hop: `${h.from} → ${h.to}`, p50: h.p50, p99: h.p99, max: h.max })));
    } finally {
      signers.stop();
      signatureErrors.push(...signers.errors.map((e) => String(e.error)));
      await cleanup();
    }
  }
  await receiver.stop();
  if (signatureErrors.length > 0) log(`card signature errors: ${signatureErrors.join('; ')}`);

  const result = {
    benchmark: 'lifecycle',
    date: new Date().toISOString(),
    machine: { ...host, loadAverageBefore: loadBefore, loadAverageAfter: os.loadavg().map((l) => round(l, 2)) },
    versions,
    settings: { inFlight: IN_FLIGHT, contracts: CONTRACTS, warmup: WARMUP, documentBytes: DOC_BYTES, cardSignaturesAtOnce: CARDS },
    notes: [
      'Times of hops are the events’ own times (set when the producing service wrote the event to its outbox), on one machine’s clock.',
      'contractsPerSecond: measured contracts / (last completion − first send of the measured ones), with the warm-up contracts excluded.',
      'lastCardSignature: when this process got the answer of the last CompleteSignature (the guarantor’s); webhook: when the receiver here got contract.completed.',
    ],
    runs,
  };
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const out = path.join(OUT_DIR, 'lifecycle.json');
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  log(`wrote ${out}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    void cleanup().finally(() => process.exit(1));
  },
);
