// FerretDB (MongoDB wire protocol, SQLite backend) built from our small Go main in
// packages/testkit/infra/ferretdb, which embeds FerretDB from the Go module proxy, patched
// (ferretdb-patches.ts).
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
import { InfraError } from './errors.js';
import { FERRETDB_MODULE, ferretDbPatches } from './ferretdb-patches.js';
import { cacheDir, dataDir, infraSrcDir, runDir } from './paths.js';
import type { Launch, Log, ServiceSpec } from './service.js';
import { requireTool, runTool } from './tools.js';

export interface FerretDbOptions {
  /** Default $JITSUIN_FERRETDB_PORT or 27017. */
  port?: number;
}

const host = '127.0.0.1';
const srcDir = path.join(infraSrcDir, 'ferretdb');
const binary = path.join(cacheDir, 'bin', 'jitsuin-ferretdb');
const sqliteDir = path.join(dataDir, 'ferretdb');

export function ferretDbSpec(opts: FerretDbOptions = {}): ServiceSpec {
  const port = opts.port ?? (process.env.JITSUIN_FERRETDB_PORT ? Number(process.env.JITSUIN_FERRETDB_PORT) : 27017);
  const url = `mongodb://${host}:${port}/`;
  return {
    name: 'ferretdb',
    host,
    ports: [port],
    address: url,
    pidFile: path.join(runDir, 'ferretdb.pid'),
    logFile: path.join(runDir, 'ferretdb.log'),
    startTimeoutMs: 30_000,
    stopTimeoutMs: 10_000,
    isOurs: (cmd) => cmd.startsWith(binary),
    prepare: (log) => prepare(log, port),
    probe: () => probeMongo(url),
  };
}

async function prepare(log: Log, port: number): Promise<Launch> {
  await ensureBinary(log);
  fs.mkdirSync(sqliteDir, { recursive: true });
  // Log level: the binary's default (error); FERRETDB_LOG_LEVEL=debug in the env overrides it.
  return { command: binary, args: ['-listen-addr', `${host}:${port}`, '-sqlite-dir', sqliteDir] };
}

/**
 * Builds the binary unless it was built from the sources and patches there are now (their
 * digest is kept next to it).
 */
async function ensureBinary(log: Log): Promise<void> {
  const digest = createHash('sha256');
  for (const file of fs.readdirSync(srcDir).sort()) {
    if (file.endsWith('.go') || file === 'go.mod' || file === 'go.sum') digest.update(file).update(fs.readFileSync(path.join(srcDir, file)));
  }
  digest.update(JSON.stringify(ferretDbPatches));
  const stamp = `${binary}.sources`;
  const sources = digest.digest('hex');
  if (fs.existsSync(binary) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === sources) return;

  const go = requireTool('go');
  log('ferretdb: building FerretDB with go build (first run or after a source change)');
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  const tmp = `${binary}.tmp-${process.pid}`;
  // A workspace that builds our main against the patched copy; go.mod and go.sum stay as committed.
  const workspace = await writePatchedWorkspace(go);
  await runTool(go, ['build', '-trimpath', '-o', tmp, '.'], { cwd: srcDir, env: { ...process.env, GOWORK: workspace } });
  fs.renameSync(tmp, binary);
  fs.writeFileSync(stamp, sources);
}

/**
 * Copies the FerretDB module from the Go module cache, applies ferretdb-patches.ts to the
 * copy, and writes a go.work that puts the copy in the module's place (go build -overlay
 * refuses files in the module cache). Returns the go.work's path.
 */
async function writePatchedWorkspace(go: string): Promise<string> {
  const module = JSON.parse(await runTool(go, ['mod', 'download', '-json', FERRETDB_MODULE], { cwd: srcDir })) as { Dir?: string; Version?: string; Error?: string };
  if (!module.Dir || !module.Version) throw new InfraError(`ferretdb: cannot download ${FERRETDB_MODULE}: ${module.Error ?? 'no module directory'}`);
  const dir = path.join(cacheDir, 'ferretdb-build');
  const copy = path.join(dir, 'ferretdb');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.cpSync(module.Dir, copy, { recursive: true });
  makeWritable(copy); // the module cache's files and directories are read-only
  for (const [i, patch] of ferretDbPatches.entries()) {
    const file = path.join(copy, patch.file);
    let text = patch.add;
    if (text === undefined) {
      text = fs.readFileSync(file, 'utf8');
      const found = text.split(patch.find!).length - 1;
      if (found !== patch.count) {
        throw new InfraError(`ferretdb: patch ${i + 1} expects ${patch.count} occurrence(s) in ${patch.file}, found ${found}: has the FerretDB version changed?`);
      }
      text = text.replaceAll(patch.find!, patch.replace!);
    }
    fs.writeFileSync(file, text);
  }
  const goVersion = /^go (\S+)$/m.exec(fs.readFileSync(path.join(srcDir, 'go.mod'), 'utf8'))?.[1] ?? '1.24';
  const workspace = path.join(dir, 'go.work');
  fs.writeFileSync(workspace, `go ${goVersion}\n\nuse ${srcDir}\n\nreplace ${FERRETDB_MODULE} ${module.Version} => ${copy}\n`);
  return workspace;
}

function makeWritable(dir: string): void {
  fs.chmodSync(dir, 0o755);
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) makeWritable(file);
    else fs.chmodSync(file, 0o644);
  }
}

/** FerretDB version compiled into the binary (e.g. v1.24.2), if it is built. */
export async function ferretDbVersion(): Promise<string | undefined> {
  if (!fs.existsSync(binary)) return undefined;
  return (await runTool(binary, ['-version'])).trim();
}

/** Healthy = a real driver connection answers `ping`. */
export async function probeMongo(url: string): Promise<void> {
  const client = new MongoClient(url, { serverSelectionTimeoutMS: 1500, connectTimeoutMS: 1500 });
  try {
    await client.connect();
    await client.db('admin').command({ ping: 1 });
  } finally {
    await client.close().catch(() => {});
  }
}
