// Benchmark of the document service, run as its own process against the shared Kafka and
// FerretDB:
//   1. upload throughput of 1, 10 and 100 MiB PDFs (best and median of 3), with two floors for
//      100 MiB: a gRPC server that discards the bytes, and a direct GridFS upload (driver);
//      CPU seconds of client, server and FerretDB per upload show where the time goes;
//   2. the service's RSS during the 100 MiB uploads (VmRSS every 20 ms, and VmHWM);
//   3. event latency (consumer receive time − event.time) over 1,000 events, split into
//      outbox → Kafka (Kafka message timestamp − event.time) and Kafka → consumer.
// Not a test: nothing is asserted about time. Prints tables, writes bench/out/document.json.
//
//   cd /work/main && npx tsx bench/document.ts        (or: pnpm --filter @jitsuin/bench document)
//
// Sizes are in MiB (1,048,576 bytes), throughput in MiB/s, memory in MiB, times in ms.
// Knobs for investigating (a normal run needs none):
//   BENCH_CHUNK_KIB=256            gRPC upload message size (default 1024, what clients send)
//   BENCH_SERVICE_NODE_OPTIONS=... NODE_OPTIONS for the service, e.g. --max-semi-space-size=2
//   BENCH_MEM_PROBE=1              preload bench/mem-probe.mjs into the service and report
//                                  heapUsed / external / arrayBuffers at the RSS peak
//   BENCH_SERVICE_TSX=1            run the service through tsx from its sources instead of as
//                                  the bundle ./jitsuin up runs (tsx costs about 46 MiB)
//   BENCH_SKIP=events              skip a part: uploads, floors, events (comma list)
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { credentials } from '@grpc/grpc-js';
import { GridFSBucket, MongoClient } from 'mongodb';
import {
  ContractKind,
  DocumentServiceClient,
  PartyKind,
  PartyRole,
  type CreateContractRequest,
  type UploadDocumentRequest,
} from '@jitsuin/proto/document/v1/document';
import { createKafka, decodeEvent, ensureTopics, EventConsumer, Topics, type KafkaConnection } from '@jitsuin/events';
import { bundleService } from '@jitsuin/cli/bundle';
import { callClientStream, callUnary, isServing } from '@jitsuin/rpc';
import { makePdf } from '@jitsuin/testkit';
import { ensureInfra, ferretDbVersion, infraStatus, kafkaVersion, serviceKafkaEnv } from '@jitsuin/testkit/infra';
import { cleanupSteps, cpuSeconds, freePort, machine, median, memoryOf, MiB, percentile, sampleRss, sleep, spawnEntry } from './proc.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const OUT_DIR = path.join(ROOT, 'bench/out');
const SIZES_MIB = [1, 10, 100];
const RUNS = 3;
const EVENTS = 1000;
const CHUNK_BYTES = Number(process.env.BENCH_CHUNK_KIB ?? 1024) * 1024;
/** The service's GridFS chunk size (CHUNK_BYTES in services/document/src/store/blobs.ts). */
const GRIDFS_CHUNK_BYTES = 1 * MiB;
const RSS_TARGET_MIB = 150;
const SERVICE_NAME = 'jitsuin.document.v1.DocumentService';
const SKIP = new Set((process.env.BENCH_SKIP ?? '').split(',').filter(Boolean));
const MEM_PROBE = process.env.BENCH_MEM_PROBE === '1';
const TSX = process.env.BENCH_SERVICE_TSX === '1';

const cleanups = cleanupSteps();
const cleanup = cleanups.run;

// ---- helpers -------------------------------------------------------------------------------
const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;
const kbToMiB = (kb: number) => round(kb / 1024);
const log = (line: string) => process.stderr.write(`[bench] ${line}\n`);

function uploadMessages(tenantId: string, pdf: Buffer): UploadDocumentRequest[] {
  const messages: UploadDocumentRequest[] = [{ part: { $case: 'metadata', value: { tenantId, filename: 'bench.pdf' } } }];
  for (let at = 0; at < pdf.length; at += CHUNK_BYTES) {
    messages.push({ part: { $case: 'chunk', value: pdf.subarray(at, at + CHUNK_BYTES) } });
  }
  return messages;
}

/** Wall-clock ms from the first message sent to the response. */
async function upload(client: DocumentServiceClient, tenantId: string, pdf: Buffer): Promise<{ ms: number; id: string }> {
  const messages = uploadMessages(tenantId, pdf);
  const start = performance.now();
  const response = await callClientStream(client.uploadDocument.bind(client), messages, { deadlineMs: 600_000 });
  const ms = performance.now() - start;
  if (!response.document?.id) throw new Error('the upload answered without a document');
  return { ms, id: response.document.id };
}

/** Runs `fn` and returns the CPU seconds each named process (and this one, 'client') used. */
async function withCpu<T>(pids: Record<string, number | undefined>, fn: () => Promise<T>): Promise<{ value: T; cpu: Record<string, number> }> {
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  const self = process.cpuUsage();
  const value = await fn();
  const used = process.cpuUsage(self);
  const cpu: Record<string, number> = { client: (used.user + used.system) / 1e6 };
  for (const [name, pid] of Object.entries(pids)) cpu[name] = cpuSeconds(pid) - before[name]!;
  return { value, cpu };
}

/** Runs `fn` while sampling the RSS of `pid`; stops the sampler whatever happens. */
async function withRss<T>(pid: number, fn: () => Promise<T>): Promise<{ value: T; peakKb: number; samples: number }> {
  const sampler = sampleRss(pid, 20);
  try {
    const value = await fn();
    return { value, ...(await sampler.stop()) };
  } catch (err) {
    await sampler.stop();
    throw err;
  }
}

interface Throughput {
  sizeMiB: number;
  runsMs: number[];
  bestMs: number;
  medianMs: number;
  bestMiBps: number;
  medianMiBps: number;
  /** Median CPU seconds per run, by process. */
  cpuSeconds: Record<string, number>;
}

function throughput(bytes: number, runs: { ms: number; cpu: Record<string, number> }[]): Throughput {
  const ms = runs.map((r) => r.ms);
  const bestMs = Math.min(...ms);
  const medianMs = median(ms);
  const names = Object.keys(runs[0]!.cpu);
  return {
    sizeMiB: round(bytes / MiB, 2),
    runsMs: ms.map((v) => round(v)),
    bestMs: round(bestMs),
    medianMs: round(medianMs),
    bestMiBps: round(bytes / MiB / (bestMs / 1000)),
    medianMiBps: round(bytes / MiB / (medianMs / 1000)),
    cpuSeconds: Object.fromEntries(names.map((n) => [n, round(median(runs.map((r) => r.cpu[n]!)), 2)])),
  };
}

/** A PDF of exactly `mib` MiB (makePdf's size is approximate; the service's limit is 100 MiB). */
function pdfOf(mib: number, n: number): Buffer {
  const target = mib * MiB;
  let pdf = makePdf(target, `bench ${mib} MiB #${n}`);
  for (let asked = target; pdf.length !== target && asked > target - 64; ) {
    asked -= pdf.length - target;
    pdf = makePdf(asked, `bench ${mib} MiB #${n}`);
  }
  if (pdf.length !== target) throw new Error(`could not make a PDF of exactly ${mib} MiB`);
  return pdf;
}

function mortgageRequest(tenantId: string, documentId: string): CreateContractRequest {
  return {
    tenantId,
    title: '住宅ローン契約 / Mortgage (bench)',
    kind: ContractKind.CONTRACT_KIND_MORTGAGE,
    parties: [
      {
        id: 'borrower',
        kind: PartyKind.PARTY_KIND_PERSON,
        role: PartyRole.PARTY_ROLE_BORROWER,
        email: 'borrower@example.jp',
        expectedFacts: { name: '山田　太郎', address: '東京都千代田区千代田1-1', dateOfBirth: '1985-04-01', gender: 0 },
        sealId: '',
        language: 0,
      },
      { id: 'bank', kind: PartyKind.PARTY_KIND_ORGANIZATION, role: PartyRole.PARTY_ROLE_LENDER, email: 'ops@bank.example.jp', expectedFacts: undefined, sealId: 'lender', language: 0 },
    ],
    documents: [{ documentId, title: 'Loan agreement', signerPartyIds: [] }],
    steps: [{ partyIds: ['borrower'] }, { partyIds: ['bank'] }],
    deadline: new Date(Date.now() + 86_400_000),
    certifyingPartyId: '',
  };
}

function distribution(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50Ms: percentile(sorted, 50),
    p95Ms: percentile(sorted, 95),
    p99Ms: percentile(sorted, 99),
    maxMs: sorted.at(-1) ?? NaN,
  };
}

/** The memory probe's sample with the highest RSS in [from, to], and the highest of each field. */
function probePeak(file: string, pid: number, from: number, to: number) {
  if (!fs.existsSync(file)) return undefined;
  const samples = fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, number>)
    .filter((s) => s.pid === pid && s.t! >= from && s.t! <= to);
  if (samples.length === 0) return undefined;
  const fields = ['rss', 'heapTotal', 'heapUsed', 'external', 'arrayBuffers'];
  const atPeak = samples.reduce((a, b) => (b.rss! > a.rss! ? b : a));
  const toMiBs = (pick: (f: string) => number) => Object.fromEntries(fields.map((f) => [f, round(pick(f) / MiB)]));
  return { atRssPeak: toMiBs((f) => atPeak[f]!), max: toMiBs((f) => Math.max(...samples.map((s) => s[f]!))), samples: samples.length };
}

// ---- the benchmark -------------------------------------------------------------------------
async function main() {
  const host = machine();
  const loadBefore = os.loadavg().map((l) => round(l, 2));
  const infra = await ensureInfra();
  const status = await infraStatus();
  const pidOf = (name: string) => status.find((s) => s.name === name)?.pid;
  const versions = { kafka: kafkaVersion(), ferretdb: (await ferretDbVersion()) ?? 'unknown (external)', node: host.node };

  const database = `bench_${randomUUID().slice(0, 8)}`;
  const mongoUrl = new URL(infra.mongoUrl);
  mongoUrl.pathname = `/${database}`;
  const mongo = await new MongoClient(mongoUrl.toString()).connect();
  cleanups.push(() => mongo.close());
  cleanups.push(() => mongo.db(database).dropDatabase());

  // The service, as its own process.
  const probeFile = path.join(OUT_DIR, `mem-probe-${database}.jsonl`);
  fs.mkdirSync(OUT_DIR, { recursive: true });
  const port = await freePort();
  const service = await spawnEntry(
    ROOT,
    // As ./jitsuin up runs it: one bundle, plain node.
    TSX ? 'services/document/src/main.ts' : await bundleService('services/document/src/main.ts', path.join(OUT_DIR, 'document-service.mjs')),
    {
      DOCUMENT_GRPC_PORT: String(port),
      DOCUMENT_MONGO_URL: mongoUrl.toString(),
      ...serviceKafkaEnv(infra, 'document'),
      LOG_LEVEL: 'warn',
      ...(MEM_PROBE ? { BENCH_MEM_PROBE_FILE: probeFile } : {}),
    },
    [process.env.BENCH_SERVICE_NODE_OPTIONS ?? '', MEM_PROBE ? `--import ${path.join(ROOT, 'bench/mem-probe.mjs')}` : ''].join(' ').trim(),
  );
  if (MEM_PROBE) cleanups.push(async () => fs.rmSync(probeFile, { force: true })); // after the stop: it flushes at exit
  cleanups.push(() => service.stop());
  const address = `127.0.0.1:${port}`;
  for (const until = Date.now() + 60_000; !(await isServing(address, SERVICE_NAME, 1000)); await sleep(200)) {
    if (service.launcher.exitCode !== null) throw new Error(`the document service exited:\n${service.output()}`);
    if (Date.now() > until) throw new Error(`the document service was not SERVING after 60 s:\n${service.output()}`);
  }
  const client = new DocumentServiceClient(address, credentials.createInsecure());
  cleanups.push(async () => client.close());
  const idle = memoryOf(service.pid);
  log(`service pid ${service.pid} on ${address}, database ${database}, idle RSS ${kbToMiB(idle.rssKb)} MiB`);
  const tenantId = `bench-up-${randomUUID().slice(0, 8)}`;
  await upload(client, tenantId, pdfOf(1, 0)); // warm-up: JIT, connections, indexes
  const pids = { server: service.pid, ferretdb: pidOf('ferretdb') };

  // 1 + 2. uploads through the service, with its memory during the 100 MiB ones.
  const uploads: Throughput[] = [];
  const memory: Record<string, unknown>[] = [];
  if (!SKIP.has('uploads')) {
    for (const mib of SIZES_MIB) {
      const runs: { ms: number; cpu: Record<string, number> }[] = [];
      for (let run = 1; run <= RUNS; run++) {
        const pdf = pdfOf(mib, run);
        if (mib !== 100) {
          const { value, cpu } = await withCpu(pids, () => upload(client, tenantId, pdf));
          runs.push({ ms: value.ms, cpu });
        } else {
          const before = memoryOf(service.pid);
          const from = Date.now();
          const { value, cpu } = await withCpu(pids, () => withRss(service.pid, () => upload(client, tenantId, pdf)));
          const after = memoryOf(service.pid);
          if (MEM_PROBE) await sleep(300); // let the probe flush
          runs.push({ ms: value.value.ms, cpu });
          memory.push({
            run,
            rssBeforeMiB: kbToMiB(before.rssKb),
            peakMiB: kbToMiB(value.peakKb),
            rssAfterMiB: kbToMiB(after.rssKb),
            hwmBeforeMiB: kbToMiB(before.hwmKb),
            hwmAfterMiB: kbToMiB(after.hwmKb),
            samples: value.samples,
            ...(MEM_PROBE ? { probe: probePeak(probeFile, service.pid, from, from + value.value.ms + 100) } : {}),
          });
        }
        log(`upload ${mib} MiB run ${run}: ${round(runs.at(-1)!.ms)} ms`);
      }
      uploads.push(throughput(mib * MiB, runs));
    }
  }

  // Floors for 100 MiB.
  const floors: { grpcSink?: Throughput & { idleRssMiB: number; peakRssMiB: number }; directGridFS?: Throughput } = {};
  if (!SKIP.has('floors')) {
    // gRPC into a server that discards the bytes (a process of its own, run like the service).
    const sinkPort = await freePort();
    const sink = await spawnEntry(ROOT, 'bench/grpc-sink.ts', { GRPC_SINK_PORT: String(sinkPort) });
    cleanups.push(() => sink.stop());
    const sinkClient = new DocumentServiceClient(`127.0.0.1:${sinkPort}`, credentials.createInsecure());
    cleanups.push(async () => sinkClient.close());
    while (!sink.output().includes('listening')) {
      if (sink.launcher.exitCode !== null) throw new Error(`the gRPC sink exited:\n${sink.output()}`);
      await sleep(50);
    }
    await upload(sinkClient, tenantId, pdfOf(1, 0));
    const sinkIdleKb = memoryOf(sink.pid).rssKb;
    const sinkRuns: { ms: number; cpu: Record<string, number> }[] = [];
    let sinkPeakKb = 0;
    for (let run = 1; run <= RUNS; run++) {
      const pdf = pdfOf(100, run);
      const { value, cpu } = await withCpu({ server: sink.pid }, () => withRss(sink.pid, () => upload(sinkClient, tenantId, pdf)));
      sinkRuns.push({ ms: value.value.ms, cpu });
      sinkPeakKb = Math.max(sinkPeakKb, value.peakKb);
    }
    floors.grpcSink = { ...throughput(100 * MiB, sinkRuns), idleRssMiB: kbToMiB(sinkIdleKb), peakRssMiB: kbToMiB(sinkPeakKb) };
    await sink.stop();
    log(`floor gRPC discard server 100 MiB: ${sinkRuns.map((r) => round(r.ms)).join(', ')} ms`);

    // Straight into GridFS with the driver, written the way the service writes (one chunk at a
    // time, each acknowledged before the next), GridFS chunks of the service's size.
    const bucket = new GridFSBucket(mongo.db(database), { bucketName: 'floor', chunkSizeBytes: GRIDFS_CHUNK_BYTES });
    const gridRuns: { ms: number; cpu: Record<string, number> }[] = [];
    for (let run = 1; run <= RUNS; run++) {
      const pdf = pdfOf(100, run + 10);
      const { value: ms, cpu } = await withCpu({ ferretdb: pids.ferretdb }, async () => {
        const start = performance.now();
        const stream = bucket.openUploadStream(`floor-${run}.pdf`);
        for (let at = 0; at < pdf.length; at += CHUNK_BYTES) {
          const chunk = pdf.subarray(at, at + CHUNK_BYTES);
          await new Promise<void>((resolve, reject) => stream.write(chunk, (err) => (err ? reject(err) : resolve())));
        }
        await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
        return performance.now() - start;
      });
      gridRuns.push({ ms, cpu });
    }
    floors.directGridFS = throughput(100 * MiB, gridRuns);
    log(`floor direct GridFS 100 MiB: ${gridRuns.map((r) => round(r.ms)).join(', ')} ms`);
  }

  // 3. event latency.
  let events: Record<string, unknown> | undefined;
  if (!SKIP.has('events')) events = await eventLatency(infra.kafka, client);

  const result = {
    finishedAt: new Date().toISOString(),
    units: 'MiB = 1,048,576 bytes; throughput MiB/s; memory MiB; times ms; CPU seconds (median per run)',
    machine: { ...host, loadAverageBefore: loadBefore, loadAverageAfter: os.loadavg().map((l) => round(l, 2)) },
    versions,
    settings: {
      grpcChunkBytes: CHUNK_BYTES,
      gridfsChunkBytes: GRIDFS_CHUNK_BYTES,
      serviceNodeOptions: process.env.BENCH_SERVICE_NODE_OPTIONS ?? '',
      memProbe: MEM_PROBE,
      serviceRunsWith: TSX ? 'tsx' : 'node, esbuild bundle (as ./jitsuin up)',
    },
    uploads,
    floors,
    memory: { targetMiB: RSS_TARGET_MIB, idleRssMiB: kbToMiB(idle.rssKb), uploads100MiB: memory },
    events,
  };
  const out = path.join(OUT_DIR, 'document.json');
  fs.writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  print(result);
  console.log(`written to ${path.relative(process.cwd(), out)}`);
}

/**
 * Starts a consumer (EventConsumer, as services consume) and, beside it, a plain kafkajs one
 * that also reads each message's Kafka timestamp (set by the relay's producer when it sends);
 * then makes 250 × (upload → document.uploaded, create → contract.created, send →
 * contract.sent + contract.step_opened) = 1,000 events, one call after another.
 */
async function eventLatency(connection: KafkaConnection, client: DocumentServiceClient) {
  const kafka = createKafka({ ...connection, clientId: 'bench-document', logLevel: 'NOTHING' });
  await ensureTopics(kafka);
  const tenant = `bench-ev-${randomUUID().slice(0, 8)}`;
  const warmTenant = `${tenant}-warm`;
  const latency = new Map<string, number>(); // event id -> receive − event.time (first delivery)
  const byType = new Map<string, number[]>();
  const split = new Map<string, { toKafka: number; fromKafka: number }>();
  let duplicates = 0;
  let warm = 0;

  const consumer = new EventConsumer(kafka, {
    groupId: `bench-document-${randomUUID()}`,
    topics: [Topics.contract],
    fromBeginning: true,
    handle: async (event) => {
      const receivedAt = Date.now();
      if (event.tenantId === warmTenant) warm |= 1;
      if (event.tenantId !== tenant) return;
      if (latency.has(event.id)) duplicates++;
      else {
        latency.set(event.id, receivedAt - event.time!.getTime());
        byType.set(event.type, [...(byType.get(event.type) ?? []), receivedAt - event.time!.getTime()]);
      }
    },
  });
  cleanups.push(() => consumer.stop());
  const raw = kafka.consumer({ groupId: `bench-document-raw-${randomUUID()}` });
  cleanups.push(() => raw.disconnect());
  await raw.connect();
  await raw.subscribe({ topics: [Topics.contract], fromBeginning: true });
  await raw.run({
    eachMessage: async ({ message }) => {
      const receivedAt = Date.now();
      let event;
      try {
        event = decodeEvent(message.value);
      } catch {
        return; // some tests put malformed messages on the topic on purpose
      }
      if (event.tenantId === warmTenant) warm |= 2;
      if (event.tenantId !== tenant || split.has(event.id)) return;
      const publishedAt = Number(message.timestamp);
      split.set(event.id, { toKafka: publishedAt - event.time!.getTime(), fromKafka: receivedAt - publishedAt });
    },
  });
  await consumer.start();

  // Warm-up: one event seen by both consumers, which also means both have read the history.
  await upload(client, warmTenant, makePdf(4096));
  for (const until = Date.now() + 60_000; warm !== 3; await sleep(20)) {
    if (Date.now() > until) throw new Error(`the consumers saw no warm-up event within 60 s (${['neither', 'only EventConsumer', 'only the plain consumer'][warm]})`);
  }

  const started = performance.now();
  for (let i = 0; i < EVENTS / 4; i++) {
    const { id } = await upload(client, tenant, makePdf(4096));
    const { contract } = await callUnary(client.createContract.bind(client), mortgageRequest(tenant, id));
    await callUnary(client.sendContract.bind(client), { tenantId: tenant, contractId: contract!.id });
  }
  const madeMs = performance.now() - started;
  // Wait for the stragglers; give up after 30 s with nothing new.
  for (let seen = -1, since = Date.now(); latency.size < EVENTS || split.size < EVENTS; await sleep(50)) {
    if (latency.size + split.size !== seen) [seen, since] = [latency.size + split.size, Date.now()];
    if (Date.now() - since > 30_000) break;
  }
  await consumer.stop();
  await raw.disconnect();
  log(`events: ${latency.size}/${EVENTS} received in ${round(madeMs / 1000)} s of changes`);

  return {
    expected: EVENTS,
    received: latency.size,
    duplicates,
    calls: (EVENTS / 4) * 3,
    callsPerSecond: round(((EVENTS / 4) * 3) / (madeMs / 1000)),
    eventsPerSecond: round(EVENTS / (madeMs / 1000)),
    latency: distribution([...latency.values()]),
    latencyByType: Object.fromEntries([...byType].map(([type, values]) => [type, distribution(values)])),
    /** In arrival order, by quarter: does latency grow with the collections? */
    latencyByQuarter: [0, 1, 2, 3].map((q) => distribution([...latency.values()].slice((q * latency.size) / 4, ((q + 1) * latency.size) / 4))),
    outboxToKafka: distribution([...split.values()].map((s) => s.toKafka)),
    kafkaToConsumer: distribution([...split.values()].map((s) => s.fromKafka)),
  };
}

// ---- output ------------------------------------------------------------------------------
function table(head: string[], rows: (string | number)[][]) {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  console.log([line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n') + '\n');
}

function print(r: {
  machine: ReturnType<typeof machine> & { loadAverageBefore: number[]; loadAverageAfter: number[] };
  versions: Record<string, string>;
  settings: { grpcChunkBytes: number; serviceNodeOptions: string; serviceRunsWith: string };
  uploads: Throughput[];
  floors: { grpcSink?: Throughput & { idleRssMiB: number; peakRssMiB: number }; directGridFS?: Throughput };
  memory: { targetMiB: number; idleRssMiB: number; uploads100MiB: Record<string, unknown>[] };
  events?: Record<string, unknown>;
}) {
  const m = r.machine;
  console.log(`\nmachine: ${m.nproc} CPUs (${m.cpu}), ${m.memTotalMiB} MiB RAM, node ${m.node}; load average ${m.loadAverageBefore.join(' ')} before, ${m.loadAverageAfter.join(' ')} after`);
  console.log(`kafka ${r.versions.kafka}, ferretdb ${r.versions.ferretdb}; service runs with ${r.settings.serviceRunsWith}; gRPC upload messages of ${r.settings.grpcChunkBytes / 1024} KiB${r.settings.serviceNodeOptions ? `; service NODE_OPTIONS ${r.settings.serviceNodeOptions}` : ''}`);
  console.log('units: MiB = 1,048,576 bytes; MiB/s; wall clock from first message sent to the response\n');

  const cpu = (t: Throughput, name: string) => (t.cpuSeconds[name] === undefined ? '-' : t.cpuSeconds[name]!.toFixed(2));
  const row = (name: string, t: Throughput) => [name, t.sizeMiB, t.runsMs.join(' / '), t.bestMs, t.medianMs, t.bestMiBps, t.medianMiBps, cpu(t, 'client'), cpu(t, 'server'), cpu(t, 'ferretdb')];
  const rows = r.uploads.map((t) => row('service (gRPC → GridFS)', t));
  if (r.floors.grpcSink) rows.push(row('floor: gRPC to a discard server', r.floors.grpcSink));
  if (r.floors.directGridFS) rows.push(row('floor: direct GridFS', r.floors.directGridFS));
  if (rows.length) {
    table(['upload', 'MiB', 'runs ms', 'best ms', 'median ms', 'best MiB/s', 'median MiB/s', 'CPU s client', 'server', 'ferretdb'], rows);
  }

  if (r.memory.uploads100MiB.length) {
    const mem = r.memory.uploads100MiB as { run: number; rssBeforeMiB: number; peakMiB: number; rssAfterMiB: number; hwmBeforeMiB: number; hwmAfterMiB: number; samples: number; probe?: { atRssPeak: Record<string, number> } }[];
    const probe = (u: (typeof mem)[number]) => (u.probe ? `${u.probe.atRssPeak.heapUsed}/${u.probe.atRssPeak.heapTotal}/${u.probe.atRssPeak.external}` : '-');
    table(
      ['service RSS, 100 MiB upload', 'before', 'peak', 'after', 'VmHWM before', 'VmHWM after', 'samples', 'heapUsed/heapTotal/external at peak'],
      mem.map((u) => [`run ${u.run}`, u.rssBeforeMiB, u.peakMiB, u.rssAfterMiB, u.hwmBeforeMiB, u.hwmAfterMiB, u.samples, probe(u)]),
    );
    const peak = Math.max(...mem.map((u) => u.peakMiB));
    const sink = r.floors.grpcSink;
    console.log(
      `service idle RSS ${r.memory.idleRssMiB} MiB; peak ${peak} MiB vs target < ${r.memory.targetMiB} MiB: ${peak < r.memory.targetMiB ? 'under' : 'OVER'}` +
        (sink ? `; gRPC discard server: idle ${sink.idleRssMiB}, peak ${sink.peakRssMiB} MiB` : '') + '\n',
    );
  }

  const e = r.events as { received: number; expected: number; duplicates: number; eventsPerSecond: number; callsPerSecond: number; latency: ReturnType<typeof distribution>; outboxToKafka: ReturnType<typeof distribution>; kafkaToConsumer: ReturnType<typeof distribution> } | undefined;
  if (e) {
    const row = (name: string, d: ReturnType<typeof distribution>) => [name, d.count, d.p50Ms, d.p95Ms, d.p99Ms, d.maxMs];
    table(
      ['event latency (ms)', 'events', 'p50', 'p95', 'p99', 'max'],
      [
        row('consumer receive − event.time', e.latency),
        row('  outbox → Kafka (Kafka timestamp − event.time)', e.outboxToKafka),
        row('  Kafka → plain kafkajs consumer', e.kafkaToConsumer),
      ],
    );
    console.log(`received ${e.received}/${e.expected} (${e.duplicates} redelivered); changes made at ${e.callsPerSecond} calls/s, ${e.eventsPerSecond} events/s\n`);
  }
}

try {
  await main();
} catch (err) {
  process.exitCode = 1;
  console.error(err);
} finally {
  await cleanup();
}
