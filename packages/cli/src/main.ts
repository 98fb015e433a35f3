import { InfraError } from '@jitsuin/testkit/infra';
import { DEMO_USAGE, demoCommand } from './commands/demo.js';
import { evidenceCommand } from './commands/evidence.js';
import { pki } from './commands/pki.js';
import { SIGN_USAGE, signCommand } from './commands/sign.js';
import { VERIFY_USAGE, verifyCommand } from './commands/verify.js';
import { down, status, up } from './platform.js';

/** `./jitsuin COMMAND`: the one entry point for people (the shell script bootstraps, then calls this). */

const USAGE = `usage: ./jitsuin COMMAND

  up       start Kafka, FerretDB and every service; print their addresses
  down     stop them (services first)
  status   show what runs where, and whether it is healthy
  test     run the whole test suite against the real Kafka and FerretDB
  pki init DIR [--base-url URL]   write a test JPKI PKI (CAs, sample cards, seals, TSA)
  pki serve DIR [--port N]        serve its CRLs, OCSP and TSA on loopback
  sign IN.pdf OUT.pdf --p12 FILE --password P [--level B-B|B-T|B-LT|B-LTA] [--tsa URL]
       [--visible PAGE,X,Y,W,H] [--certify P] [--lock] [--field NAME] [--role LABEL]
                                  sign with a seal (PKCS#12) as an incremental update
  sign IN.pdf OUT.pdf --card DIR/people/NAME --password P [...]
                                  the same with a test PKI's card simulator (./jitsuin sign --help)
  verify FILE.pdf [--trust PEM_FILE_OR_DIR]... [--json] [--offline] [--at ISO-8601] [--lang ja|en]
                                  validate every signature (./jitsuin verify --help); exit 0 only if all pass
  demo mortgage|lease             a whole contract against the running platform (after ./jitsuin up):
                                  cards sign in turn, the platform seals, B-LTA, verified, completed
  evidence verify FILE.zip [--trust PEM_FILE_OR_DIR]... [--allow-test-jpki]
                                  check a contract's evidence package offline (./jitsuin evidence --help)
  evidence export CONTRACT_ID --tenant T --client-id ID --key JWK_FILE [--out FILE.zip]
                                  write a contract's evidence package from the document service
`;

const log = (line: string) => process.stderr.write(`${line}\n`);

function printStatus(rows: Awaited<ReturnType<typeof status>>): boolean {
  for (const row of rows) {
    const state = row.external ? 'external' : row.running ? `running (pid ${row.pid})` : 'stopped';
    const health = row.healthy ? 'healthy' : row.running || row.external ? `NOT healthy: ${row.error ?? ''}` : '';
    process.stdout.write(`${row.name.padEnd(10)} ${row.address.padEnd(28)} ${state.padEnd(20)} ${health}\n`);
  }
  return rows.every((r) => r.healthy);
}

async function main(args: string[]): Promise<number> {
  switch (args[0]) {
    case 'up':
      return printStatus(await up(log)) ? 0 : 1;
    case 'down':
      await down(log);
      return 0;
    case 'status':
      return printStatus(await status()) ? 0 : 1;
    case 'pki':
      return pki(args.slice(1));
    case 'sign':
      if (args[1] === '--help' || args[1] === 'help') {
        process.stdout.write(SIGN_USAGE);
        return 0;
      }
      return signCommand(args.slice(1));
    case 'demo':
      if (args[1] === '--help' || args[1] === 'help') {
        process.stdout.write(DEMO_USAGE);
        return 0;
      }
      return demoCommand(args.slice(1));
    case 'evidence':
      return evidenceCommand(args.slice(1));
    case 'verify':
      if (args[1] === '--help' || args[1] === 'help') {
        process.stdout.write(VERIFY_USAGE);
        return 0;
      }
      return verifyCommand(args.slice(1));
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return args[0] === undefined ? 2 : 0;
    default:
      process.stderr.write(`jitsuin: unknown command '${args[0]}'\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`jitsuin: ${err instanceof InfraError ? err.message : err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
