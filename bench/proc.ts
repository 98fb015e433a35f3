// Process plumbing for the benchmarks: start a TS entry point as its own process, find the node
// process doing the work, watch its memory, stop it. Linux only (/proc).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { Worker } from 'node:worker_threads';

export const MiB = 1024 * 1024;

export interface Machine {
  nproc: number;
  cpu: string;
  memTotalMiB: number;
  kernel: string;
  node: string;
}

export function machine(): Machine {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const memTotalKb = Number(/^MemTotal:\s+(\d+) kB/m.exec(fs.readFileSync('/proc/meminfo', 'utf8'))?.[1] ?? 0);
  return {
    nproc: os.availableParallelism(),
    cpu: /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? 'unknown',
    memTotalMiB: Math.round(memTotalKb / 1024),
    kernel: os.release(),
    node: process.version,
  };
}

/**
 * What a benchmark must undo (processes, databases): push each step as it is set up; run() undoes
 * them once, in reverse order, and runs on Ctrl-C too (the processes may be detached).
 */
export function cleanupSteps(): { push(step: () => Promise<unknown>): void; run(): Promise<void> } {
  const steps: (() => Promise<unknown>)[] = [];
  const run = async () => {
    for (const step of steps.splice(0).reverse()) {
      await step().catch((err: unknown) => console.error('cleanup:', err instanceof Error ? err.message : err));
    }
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void run().finally(() => process.exit(130)));
  }
  return { push: (step) => void steps.push(step), run };
}

/** The 1, 5 and 15 minute load averages, as /proc/loadavg writes them. */
export const loadavg = () => fs.readFileSync('/proc/loadavg', 'utf8').trim().split(' ').slice(0, 3).join(' ');

/** The first non-empty line a command prints (a tool's version). */
export function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => l.trim())?.trim() ?? 'unknown';
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** VmRSS and VmHWM of a process, in KiB. */
export function memoryOf(pid: number): { rssKb: number; hwmKb: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssKb: field('VmRSS'), hwmKb: field('VmHWM') };
}

/**
 * Samples VmRSS of `pid` every `everyMs` from a worker thread, so that a busy event loop in this
 * process cannot stretch the interval. stop() returns the peak and the number of samples.
 */
export function sampleRss(pid: number, everyMs = 20): { stop(): Promise<{ peakKb: number; samples: number }> } {
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    const fs = require('node:fs');
    const stop = new Int32Array(workerData.flag);
    let peakKb = 0, samples = 0;
    while (Atomics.load(stop, 0) === 0) {
      try {
        const m = /^VmRSS:\\s+(\\d+) kB/m.exec(fs.readFileSync('/proc/' + workerData.pid + '/status', 'utf8'));
        if (m) { peakKb = Math.max(peakKb, Number(m[1])); samples++; }
      } catch { break; }
      Atomics.wait(stop, 0, 0, workerData.everyMs);
    }
    parentPort.postMessage({ peakKb, samples });
  `;
  const flag = new SharedArrayBuffer(4);
  const worker = new Worker(code, { eval: true, workerData: { pid, everyMs, flag } });
  const result = new Promise<{ peakKb: number; samples: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  return {
    stop: async () => {
      const stopFlag = new Int32Array(flag);
      Atomics.store(stopFlag, 0, 1);
      Atomics.notify(stopFlag, 0);
      const r = await result;
      await worker.terminate();
      return r;
    },
  };
}

export interface Spawned {
  /** The tsx launcher we started. */
  launcher: ChildProcess;
  /** The node process that runs the code (tsx starts it as the launcher's child). */
  pid: number;
  /** Lines the process wrote (stdout and stderr), for error messages. */
  output: () => string;
  /** SIGTERM (the launcher passes it on), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

/**
 * Starts `node_modules/.bin/tsx <entry>` in `cwd` and waits until its node child exists; a
 * JavaScript entry (.js/.mjs) runs with plain node, as its own (and only) process.
 */
export async function spawnEntry(cwd: string, entry: string, env: Record<string, string>, nodeOptions = ''): Promise<Spawned> {
  const plain = /\.m?js$/.test(entry);
  const launcher = spawn(plain ? process.execPath : `${cwd}/node_modules/.bin/tsx`, [entry], {
    cwd,
    env: { ...process.env, ...env, NODE_OPTIONS: nodeOptions },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString('utf8')).slice(-20_000);
  };
  launcher.stdout!.on('data', keep);
  launcher.stderr!.on('data', keep);
  const exited = new Promise<void>((resolve) => launcher.once('exit', () => resolve()));

  const stop = async (graceMs = 20_000) => {
    if (launcher.exitCode !== null || launcher.signalCode !== null) return;
    const child = plain ? undefined : childPid(launcher.pid!, entry);
    launcher.kill('SIGTERM');
    const timer = setTimeout(() => {
      launcher.kill('SIGKILL');
      if (child) killQuietly(child);
    }, graceMs);
    await exited;
    clearTimeout(timer);
  };

  const started = Date.now();
  for (;;) {
    if (launcher.exitCode !== null || launcher.signalCode !== null) {
      throw new Error(`${entry} exited at start (code ${launcher.exitCode}):\n${output}`);
    }
    const pid = plain ? launcher.pid : childPid(launcher.pid!, entry);
    if (pid) return { launcher, pid, output: () => output, stop };
    if (Date.now() - started > 30_000) {
      await stop();
      throw new Error(`${entry}: tsx started no node process within 30 s`);
    }
    await sleep(50);
  }
}

/** The node child of `pid` that runs `entry` (the pnpm shim forks shells first). */
function childPid(pid: number, entry: string): number | undefined {
  try {
    const children = fs
      .readdirSync(`/proc/${pid}/task`)
      .flatMap((tid) => fs.readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').trim().split(/\s+/))
      .filter(Boolean)
      .map(Number);
    return children.find((child) => {
      try {
        const args = fs.readFileSync(`/proc/${child}/cmdline`, 'utf8').split('\0');
        return args.includes(entry) && args.some((arg) => arg.includes('tsx/dist/loader'));
      } catch {
        return false;
      }
    });
  } catch {
    return undefined;
  }
}

function killQuietly(pid: number) {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // gone already
  }
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Nearest-rank percentile of sorted numbers. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** CPU time (user + system) a process has used so far, in seconds; NaN if it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  try {
    // Fields after the command name (which may hold spaces) start at "state"; utime and stime
    // are the 14th and 15th fields of the line, in clock ticks (100 per second on Linux).
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}
