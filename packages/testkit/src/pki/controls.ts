import { mkdir, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { failedPrecondition, invalidArgument } from '@jitsuin/errors';
import { REVOCATION_REASON_CODES, type RevocationReason } from '@jitsuin/jpki';
import { CARD_FILES, writeCert, writeKey } from './card-files.js';
import { serialHex } from './issue.js';
import { generateRsaKey } from './keys.js';
import { issuePersonSigning } from './profiles.js';
import { certKey, type CertRef, type IssuedCert, type PkiState, type PkiStore } from './store.js';
import { pkiUrls } from './urls.js';

export type PersonCert = 'signing' | 'auth';

export interface CertStatusView {
  ca: string;
  serial: string;
  status: 'good' | 'revoked';
  reason?: RevocationReason;
  at?: string;
}

/** A revocation recorded for `at`; CRLs and OCSP show it once the PKI clock reaches `at`. */
export interface RevocationResult {
  ca: string;
  serial: string;
  reason: RevocationReason;
  at: string;
}

function checkReason(reason: string): RevocationReason {
  if (!(reason in REVOCATION_REASON_CODES) || reason === 'removeFromCRL') {
    const allowed = Object.keys(REVOCATION_REASON_CODES).filter((r) => r !== 'removeFromCRL');
    throw invalidArgument(`'${reason}' is not a revocation reason; use one of: ${allowed.join(', ')}`);
  }
  return reason as RevocationReason;
}

function revokeIn(state: PkiState, cert: IssuedCert, reason: RevocationReason, at: Date): RevocationResult {
  // JPKI never releases a hold, but a held certificate can still be revoked for good.
  if (cert.revocation && cert.revocation.reason !== 'certificateHold') {
    throw failedPrecondition(`certificate ${cert.serial} of ${cert.ca} is already revoked (${cert.revocation.reason})`);
  }
  cert.revocation = { reason, at: at.toISOString() };
  state.certificates[certKey(cert.ca, cert.serial)] = cert;
  return { ca: cert.ca, serial: cert.serial, reason, at: cert.revocation.at };
}

/**
 * Scenario controls over a test PKI directory. They change the state file, so they work in any
 * process and a server (which reads the state on every request) sees them at once.
 */
export class PkiControls {
  constructor(private readonly store: PkiStore) {}

  /** The PKI's clock (real time plus every advanceClock). */
  now(): Date {
    return this.store.now();
  }

  /** Moves the PKI clock forward: CRL, OCSP and TSA times, and default revocation times, follow. */
  advanceClock(ms: number): Promise<Date> {
    if (!Number.isFinite(ms) || ms < 0) throw invalidArgument('advanceClock takes a non-negative number of milliseconds');
    return this.store.update((state) => {
      state.clockOffsetMs += ms;
      return this.store.now(state);
    });
  }

  private ref(state: PkiState, person: string, cert: PersonCert): CertRef {
    this.store.person(person);
    const current = state.current[person];
    if (!current) throw failedPrecondition(`person '${person}' has no certificates in the PKI state`);
    if (cert !== 'signing' && cert !== 'auth') throw invalidArgument(`certificate must be 'signing' or 'auth', not '${String(cert)}'`);
    return current[cert];
  }

  revoke(person: string, cert: PersonCert, reason: RevocationReason, at?: Date): Promise<RevocationResult> {
    const r = checkReason(reason);
    return this.store.update((state) => {
      const ref = this.ref(state, person, cert);
      return revokeIn(state, this.store.issued(state, ref.ca, ref.serial), r, at ?? this.store.now(state));
    });
  }

  /** certificateHold: what J-LIS does when a card is reported lost or stolen (never released). */
  hold(person: string, cert: PersonCert = 'signing', at?: Date): Promise<RevocationResult> {
    return this.revoke(person, cert, 'certificateHold', at);
  }

  revokeSeal(seal: string, reason: RevocationReason, at?: Date): Promise<RevocationResult> {
    const r = checkReason(reason);
    const entry = this.store.seal(seal);
    return this.store.update((state) => {
      const cert = Object.values(state.certificates).find((c) => c.kind === 'seal' && c.holder === entry.id);
      if (!cert) throw failedPrecondition(`seal '${seal}' has no certificate in the PKI state`);
      return revokeIn(state, cert, r, at ?? this.store.now(state));
    });
  }

  /**
   * Renewal: a new key and signing certificate from the newest signing root, written into the
   * card directory (the old one moves to history/), and the old certificate revoked as superseded.
   */
  async renew(person: string): Promise<{ revoked: RevocationResult; issued: CertRef }> {
    const entry = this.store.person(person);
    const spec = { ...entry, generation: 2 as const };
    const manifest = this.store.manifest();
    const newest = Object.values(manifest.cas)
      .filter((c) => c.kind === 'jpki-signing')
      .sort((a, b) => (b.generation ?? 0) - (a.generation ?? 0))[0];
    if (!newest) throw failedPrecondition('the PKI has no JPKI signing root');
    const [key, ca] = await Promise.all([generateRsaKey(), this.store.loadCa(newest.id)]);
    const urls = pkiUrls(manifest.baseUrl);
    return this.store.update(async (state) => {
      const old = this.ref(state, person, 'signing');
      const now = this.store.now(state);
      const cert = await issuePersonSigning({ person: spec, ca: ca.issuer, spki: key.spki, urls: { crl: urls.crl(newest.id), ocsp: urls.ocsp, caIssuers: urls.caCert(newest.id) }, issuedAt: now, seq: Object.keys(state.certificates).length + 1 });
      const cardDir = this.store.path(entry.dir);
      const history = join(cardDir, CARD_FILES.history);
      await mkdir(history, { recursive: true });
      await rename(join(cardDir, CARD_FILES.signingCert), join(history, `${old.serial}-signing-cert.pem`));
      await rename(join(cardDir, CARD_FILES.signingKey), join(history, `${old.serial}-signing-key.pem`));
      await writeCert(join(cardDir, CARD_FILES.signingCert), cert);
      await writeKey(join(cardDir, CARD_FILES.signingKey), key.privatePem);
      await writeCert(join(cardDir, CARD_FILES.signingCa), ca.issuer.cert);
      const serial = serialHex(cert);
      state.certificates[certKey(newest.id, serial)] = { ca: newest.id, serial, kind: 'signing', holder: person, issuedAt: now.toISOString(), file: join(entry.dir, CARD_FILES.signingCert) };
      const revoked = revokeIn(state, this.store.issued(state, old.ca, old.serial), 'superseded', now);
      state.current[person] = { signing: { ca: newest.id, serial }, auth: this.ref(state, person, 'auth') };
      return { revoked, issued: { ca: newest.id, serial } };
    });
  }

  /** The person's current certificates as the PKI clock sees them now. */
  status(person: string): Record<PersonCert, CertStatusView> {
    const state = this.store.readState();
    const now = this.store.now(state);
    const view = (ref: CertRef): CertStatusView => {
      const c = this.store.issued(state, ref.ca, ref.serial);
      const rev = c.revocation && new Date(c.revocation.at) <= now ? c.revocation : undefined;
      return { ca: ref.ca, serial: ref.serial, status: rev ? 'revoked' : 'good', ...(rev ? { reason: rev.reason, at: rev.at } : {}) };
    };
    return { signing: view(this.ref(state, person, 'signing')), auth: view(this.ref(state, person, 'auth')) };
  }
}
