// Lifecycle shared by every local server we run (Kafka, FerretDB): reuse a healthy running
// instance, refuse ports held by strangers, otherwise prepare + spawn + wait until healthy.
import fs from 'node:fs';
import { InfraError } from './errors.js';
import { cmdline, isAlive, listenerPid, logTail, portOpen, readPid, sleep, spawnDetached, stopPid } from './process.js';

export type Log = (line: string) => void;

export interface Launch {
  command: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export interface ServiceSpec {
  name: string;
  host: string;
  /** Every port it listens on; the first is the client port. */
  ports: number[];
  /** Address clients use, e.g. `127.0.0.1:9092` or a mongodb:// URL. */
  address: string;
  pidFile: string;
  logFile: string;
  startTimeoutMs: number;
  stopTimeoutMs: number;
  /** Recognises our own process by its command line (guards against pid reuse and strangers). */
  isOurs(cmdline: string): boolean;
  /** Makes sure binaries/config/data exist (may build or download); returns what to run. */
  prepare(log: Log): Promise<Launch>;
  /** Resolves when the server answers a real protocol request; throws otherwise. */
  probe(): Promise<void>;
  /**
   * Why a running process of ours is not the one this spec would start (e.g. Kafka without
   * SASL from before SASL was the default), or undefined if it will do. A stale one is
   * stopped and started again instead of being reused.
   */
  staleReason?(): Promise<string | undefined>;
}

export interface ServiceStatus {
  name: string;
  address: string;
  /** Not started by us: pointed at with KAFKA_BROKERS / MONGO_URL. */
  external: boolean;
  running: boolean;
  pid?: number;
  healthy: boolean;
  error?: string;
}

/** Our live process for this service, if any: from the pid file, else whoever holds its ports. */
function ourPid(spec: ServiceSpec): number | undefined {
  const pid = readPid(spec.pidFile);
  if (pid !== undefined && isAlive(pid) && spec.isOurs(cmdline(pid))) return pid;
  // Pid file missing or stale (crash, pid reuse, .jitsuin/run wiped): recognise ours by its port.
  for (const port of spec.ports) {
    const holder = listenerPid(port);
    if (holder !== undefined && spec.isOurs(cmdline(holder))) return holder;
  }
  return undefined;
}

export async function startService(spec: ServiceSpec, log: Log): Promise<{ pid: number; reused: boolean }> {
  let pid = ourPid(spec);
  const stale = pid !== undefined && spec.staleReason ? await spec.staleReason() : undefined;
  if (pid !== undefined && stale !== undefined) {
    log(`${spec.name}: the running one (pid ${pid}) will not do: ${stale}`);
    await stopPid(pid, spec.stopTimeoutMs);
    pid = undefined;
  }
  if (pid !== undefined) {
    fs.writeFileSync(spec.pidFile, `${pid}\n`); // (re)adopt it
    await waitHealthy(spec, pid);
    return { pid, reused: true };
  }
  fs.rmSync(spec.pidFile, { force: true });
  for (const port of spec.ports) {
    if (!(await portOpen(spec.host, port))) continue;
    const holder = listenerPid(port);
    const who = holder === undefined ? 'another process' : `pid ${holder} (${cmdline(holder).slice(0, 120) || 'unknown command'})`;
    throw new InfraError(
      `${spec.name}: ${spec.host}:${port} is already in use by ${who}, which jitsuin did not start. ` +
        `Stop it, choose other ports, or point the tests at an existing server (KAFKA_BROKERS / MONGO_URL).`,
    );
  }
  const launch = await spec.prepare(log);
  log(`${spec.name}: starting (log: ${spec.logFile})`);
  pid = spawnDetached(launch.command, launch.args, { pidFile: spec.pidFile, logFile: spec.logFile, cwd: launch.cwd, env: launch.env });
  await waitHealthy(spec, pid);
  return { pid, reused: false };
}

/** Polls the probe until it passes; fails fast if the process dies. */
export async function waitHealthy(spec: Pick<ServiceSpec, 'name' | 'address' | 'probe' | 'startTimeoutMs' | 'logFile'>, pid?: number): Promise<void> {
  const deadline = Date.now() + spec.startTimeoutMs;
  let lastError = 'no answer';
  for (;;) {
    if (pid !== undefined && !isAlive(pid)) {
      throw new InfraError(`${spec.name} (pid ${pid}) exited during start-up. Last log lines of ${spec.logFile}:\n${logTail(spec.logFile)}`);
    }
    try {
      await spec.probe();
      return;
    } catch (err) {
      lastError = err instanceof Error ? err.message : String(err);
    }
    if (Date.now() > deadline) {
      const where = pid === undefined ? '' : ` Last log lines of ${spec.logFile}:\n${logTail(spec.logFile)}`;
      throw new InfraError(`${spec.name} at ${spec.address} not healthy after ${spec.startTimeoutMs} ms: ${lastError}.${where}`);
    }
    await sleep(250);
  }
}

export async function stopService(spec: ServiceSpec, log: Log): Promise<void> {
  const pid = ourPid(spec);
  if (pid !== undefined) {
    const how = await stopPid(pid, spec.stopTimeoutMs);
    log(`${spec.name}: ${how === 'killed' ? 'did not stop on SIGTERM, killed' : 'stopped'} (pid ${pid})`);
  }
  fs.rmSync(spec.pidFile, { force: true });
}

export async function serviceStatus(spec: ServiceSpec): Promise<ServiceStatus> {
  const pid = ourPid(spec);
  const status: ServiceStatus = { name: spec.name, address: spec.address, external: false, running: pid !== undefined, healthy: false };
  if (pid !== undefined) status.pid = pid;
  try {
    await spec.probe();
    status.healthy = true;
  } catch (err) {
    status.error = err instanceof Error ? err.message : String(err);
  }
  return status;
}
