import { startPkiServers } from './server.js';

/**
 * The test PKI's CRL, OCSP and TSA servers as a process of their own (the platform on one
 * machine runs it beside the services): PKI_DIR names the PKI, PKI_PORT the port its
 * certificates point at. Stops on SIGTERM or SIGINT.
 */
const dir = process.env.PKI_DIR;
if (!dir) {
  process.stderr.write('PKI_DIR is required: the directory ./jitsuin pki init wrote\n');
  process.exit(2);
}
const port = process.env.PKI_PORT ? Number(process.env.PKI_PORT) : undefined;
const servers = await startPkiServers(dir, port === undefined ? {} : { port });
process.stdout.write(`test PKI ${dir} served at ${servers.baseUrl}\n`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    void servers.close().then(() => process.exit(0));
  });
}
