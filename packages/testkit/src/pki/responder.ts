import { readFile } from 'node:fs/promises';
import { buildCrl } from './crl.js';
import { certIdMatches, certIdSerial, buildOcspResponse, type OcspAnswer, OCSP_STATUS, ocspStatusOnly, parseOcspRequest } from './ocsp.js';
import { type LoadedCa, type PkiStore } from './store.js';
import { timeStamp } from './tsa.js';
import { type Issuer, parseCert } from './issue.js';
import { importSigningKey } from './keys.js';
import { fromPem } from './pem.js';

/** How the OCSP responder misbehaves, for tests of the verifier's fallbacks. Not persisted. */
export interface OcspBehaviour {
  /** 'reset': drop the connection (the listener also serves CRLs and the TSA, so it cannot refuse); '503': HTTP 503. */
  down: false | 'reset' | '503';
  /** Answer the OCSP status tryLater (3), unsigned. */
  tryLater: boolean;
  /** thisUpdate two days and nextUpdate one day before the PKI clock. */
  stale: boolean;
  /** 'delegated': the CA's OCSP-signing certificate signs (and is included); 'ca': the CA key signs. */
  signer: 'delegated' | 'ca';
}

export const DEFAULT_OCSP_BEHAVIOUR: OcspBehaviour = { down: false, tryLater: false, stale: false, signer: 'delegated' };

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** CRLs, OCSP answers and timestamps computed from the PKI directory's current state. */
export class PkiResponder {
  behaviour: OcspBehaviour = { ...DEFAULT_OCSP_BEHAVIOUR };
  private tsa: Promise<{ signer: Issuer; chain: LoadedCa }> | undefined;

  constructor(readonly store: PkiStore) {}

  private allCas(): Promise<LoadedCa[]> {
    return Promise.all(Object.keys(this.store.manifest().cas).map((id) => this.store.loadCa(id)));
  }

  async crl(caId: string): Promise<Buffer> {
    const ca = await this.store.loadCa(caId);
    const state = this.store.readState();
    const now = this.store.now(state);
    const entries = Object.values(state.certificates)
      .filter((c) => c.ca === caId && c.revocation)
      .map((c) => ({ serial: c.serial, reason: c.revocation!.reason, at: new Date(c.revocation!.at) }));
    return buildCrl({ ca: ca.issuer, entries, thisUpdate: now, nextUpdate: new Date(now.getTime() + DAY) });
  }

  async caCertificate(caId: string): Promise<Buffer> {
    return (await this.store.loadCa(caId)).certDer;
  }

  /** The DER OCSPResponse for a DER OCSPRequest (tryLater/stale applied; `down` is the server's). */
  async ocsp(request: Uint8Array): Promise<Buffer> {
    if (this.behaviour.tryLater) return ocspStatusOnly(OCSP_STATUS.tryLater);
    const parsed = parseOcspRequest(request);
    if (!parsed) return ocspStatusOnly(OCSP_STATUS.malformedRequest);
    const cas = await this.allCas();
    const owners = parsed.certIds.map((id) => cas.find((ca) => certIdMatches(id, ca.issuer.cert)));
    // One response has one signer: the CA of the first known certificate answers; certificates of
    // another CA in the same request are 'unknown' to it.
    const ca = owners.find((o) => o !== undefined);
    if (!ca) return ocspStatusOnly(OCSP_STATUS.unauthorized);

    const state = this.store.readState();
    const now = this.store.now(state);
    const answers: OcspAnswer[] = parsed.certIds.map((certId, i) => {
      const issued = owners[i] === ca ? state.certificates[`${ca.entry.id}/${certIdSerial(certId)}`] : undefined;
      if (!issued) return { certId, status: { kind: 'unknown' } };
      const rev = issued.revocation;
      if (rev && new Date(rev.at) <= now) return { certId, status: { kind: 'revoked', at: new Date(rev.at), reason: rev.reason } };
      return { certId, status: { kind: 'good' } };
    });
    const thisUpdate = this.behaviour.stale ? new Date(now.getTime() - 2 * DAY) : now;
    const nextUpdate = this.behaviour.stale ? new Date(now.getTime() - DAY) : new Date(now.getTime() + HOUR);
    const delegated = this.behaviour.signer === 'delegated';
    return buildOcspResponse({
      answers,
      signer: delegated ? ca.responder : ca.issuer,
      certs: delegated ? [ca.responder.cert] : [],
      producedAt: thisUpdate,
      thisUpdate,
      nextUpdate,
      nonce: parsed.nonce,
    });
  }

  async timeStamp(request: Uint8Array): Promise<Buffer> {
    this.tsa ??= (async () => {
      const m = this.store.manifest().tsa;
      const signer = {
        cert: parseCert(fromPem(await readFile(this.store.path(m.cert), 'utf8'), 'CERTIFICATE')),
        key: await importSigningKey(await readFile(this.store.path(m.key), 'utf8')),
      };
      return { signer, chain: await this.store.loadCa(m.ca) };
    })();
    const { signer, chain } = await this.tsa;
    return timeStamp(request, { signer, chain: [chain.issuer.cert], policy: this.store.manifest().tsa.policy, now: this.store.now() });
  }
}
