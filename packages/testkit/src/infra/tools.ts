// Locating the toolchains the infra is built and run with (java, mvn, go), and running them
// for one-off build steps. A missing tool fails early with what to install, instead of a
// bare ENOENT from spawn.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { InfraError } from './errors.js';

const installHints: Record<string, string> = {
  java: 'Kafka needs a Java 17+ runtime: apt-get install openjdk-17-jre-headless (or set JAVA_HOME)',
  mvn: 'Kafka jars are resolved from Maven Central with Maven: apt-get install maven',
  go: 'FerretDB is built from the Go module proxy: install Go 1.24+ (e.g. apt-get install golang-go if recent enough)',
};

/** Absolute path of `name` on PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const file = path.join(dir, name);
    try {
      fs.accessSync(file, fs.constants.X_OK);
      if (fs.statSync(file).isFile()) return file;
    } catch {
      // not here; keep looking
    }
  }
  return undefined;
}

/** Path of a required tool, or an InfraError naming it and how to install it. */
export function requireTool(name: 'java' | 'mvn' | 'go'): string {
  const found = name === 'java' && process.env.JAVA_HOME ? javaFromHome(process.env.JAVA_HOME) : which(name);
  if (!found) throw new InfraError(`'${name}' was not found on PATH. ${installHints[name]}.`);
  return found;
}

function javaFromHome(home: string): string | undefined {
  const file = path.join(home, 'bin', 'java');
  return fs.existsSync(file) ? file : which('java');
}

/** The java binary, checked to be at least `minMajor` (Kafka 4 brokers need 17). */
export function requireJava(minMajor: number): string {
  const java = requireTool('java');
  const out = spawnSync(java, ['-version'], { encoding: 'utf8' });
  // e.g. `openjdk version "17.0.15" 2025-04-15` or `java version "1.8.0_392"`
  const m = /version "(?:1\.)?(\d+)/.exec(`${out.stderr}${out.stdout}`);
  const major = m ? Number(m[1]) : NaN;
  if (!(major >= minMajor)) {
    throw new InfraError(`${java} is Java ${m ? major : '(unknown version)'}; Java ${minMajor}+ is needed. ${installHints.java}.`);
  }
  return java;
}

/** Runs a build step to completion; on failure the error carries the tail of its output. */
export function runTool(command: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.on('error', (err) => reject(new InfraError(`could not run ${command}: ${err.message}`)));
    child.on('close', (code, signal) => {
      if (code === 0) return resolve(output);
      const tail = output.trim().split('\n').slice(-30).join('\n');
      reject(new InfraError(`${path.basename(command)} ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${tail}`));
    });
  });
}
