// `tsx packages/testkit/src/infra/cli.ts up|down|status` (wrapped by the root ./jitsuin script).
import { ensureInfra, ferretDbVersion, InfraError, infraStatus, kafkaVersion, stopInfra } from './index.js';

const log = (line: string) => process.stderr.write(`${line}\n`);

async function main(command: string | undefined): Promise<number> {
  switch (command) {
    case 'up': {
      const { kafkaBrokers, kafkaLogins, mongoUrl } = await ensureInfra({ log });
      // stdout carries only these lines, so `eval "$(... up)"` or sourcing works. On our SASL
      // broker they log in as the `test` principal, its password read from its file.
      const test = kafkaLogins?.test;
      const sasl = test ? `KAFKA_SASL_MECHANISM=${test.sasl.mechanism}\nKAFKA_USERNAME=${test.sasl.username}\nKAFKA_PASSWORD_FILE=${test.passwordFile}\n` : '';
      process.stdout.write(`KAFKA_BROKERS=${kafkaBrokers.join(',')}\n${sasl}MONGO_URL=${mongoUrl}\n`);
      return 0;
    }
    case 'down':
      await stopInfra(log);
      return 0;
    case 'status': {
      const statuses = await infraStatus();
      const versions: Record<string, string | undefined> = { kafka: kafkaVersion(), ferretdb: await ferretDbVersion() };
      for (const s of statuses) {
        const state = s.external ? 'external' : s.running ? `running pid ${s.pid}` : s.healthy ? 'not started by jitsuin' : 'stopped';
        const version = s.external ? '' : ` ${versions[s.name] ?? ''}`;
        const health = s.healthy ? ', healthy' : s.running ? `, unhealthy: ${s.error}` : '';
        process.stdout.write(`${s.name.padEnd(9)}${version.padEnd(9)} ${s.address.padEnd(26)} ${state}${health}\n`);
      }
      return statuses.every((s) => s.healthy) ? 0 : 1;
    }
    default:
      process.stderr.write('usage: cli.ts up|down|status\n');
      return 2;
  }
}

main(process.argv[2]).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`${err instanceof InfraError ? err.message : err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
