// FerretDB (MongoDB wire protocol, SQLite backend) built from our small Go main in
// packages/testkit/infra/ferretdb, which embeds FerretDB from the Go module proxy.
import fs from 'node:fs';
import path from 'node:path';
import { MongoClient } from 'mongodb';
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

/** Builds the binary unless it is newer than every source file. */
async function ensureBinary(log: Log): Promise<void> {
  const sources = fs
    .readdirSync(srcDir)
    .filter((f) => f.endsWith('.go') || f === 'go.mod' || f === 'go.sum')
    .map((f) => fs.statSync(path.join(srcDir, f)).mtimeMs);
  const built = fs.existsSync(binary) ? fs.statSync(binary).mtimeMs : 0;
  if (built > Math.max(...sources)) return;

  const go = requireTool('go');
  log('ferretdb: building FerretDB with go build (first run or after a source change)');
  fs.mkdirSync(path.dirname(binary), { recursive: true });
  const tmp = `${binary}.tmp-${process.pid}`;
  // Default -mod=readonly: the committed go.sum is complete, and a build must not edit sources.
  await runTool(go, ['build', '-trimpath', '-o', tmp, '.'], { cwd: srcDir });
  fs.renameSync(tmp, binary);
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
