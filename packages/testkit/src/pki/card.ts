import { constants, createPrivateKey, privateEncrypt, type KeyObject } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { algorithm, children, DerError, expectTag, octets, readOid, readOne, seq, TAG } from '@jitsuin/der';
import { type ErrorKind, JitsuinError } from '@jitsuin/errors';
import { CARD_FILES } from './card-files.js';
import { fromPem } from './pem.js';
import { writeFileAtomic } from './store.js';

export type CardErrorCode = 'NO_CARD' | 'PASSWORD_FORMAT' | 'WRONG_PASSWORD' | 'LOCKED' | 'NOT_DIGEST_INFO' | 'NOT_SHA256';

/** A card refusal, with the specific reason and, for a wrong password, the tries left. */
export class CardError extends JitsuinError {
  constructor(
    kind: ErrorKind,
    readonly code: CardErrorCode,
    message: string,
    readonly triesLeft?: number,
  ) {
    super(kind, message);
    this.name = 'CardError';
  }
}

export const MAX_PASSWORD_TRIES = 5;
const PASSWORD_FORMAT = /^[A-Z0-9]{6,16}$/;
const SHA256_OID = '2.16.840.1.101.3.4.2.1';

interface CardState {
  wrongTries: number;
}

/** Accepts exactly a DER DigestInfo over SHA-256; otherwise a CardError says what is wrong. */
function checkSha256DigestInfo(input: Uint8Array): void {
  const notDigestInfo = () =>
    new CardError('INVALID_ARGUMENT', 'NOT_DIGEST_INFO', 'the card signs a DER DigestInfo (SEQUENCE { sha256 AlgorithmIdentifier, OCTET STRING of 32 bytes }); the host hashes, the card pads');
  let oidText: string;
  let digestLength: number;
  try {
    const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    const [alg, digest, ...rest] = children(expectTag(readOne(bytes, 'the DigestInfo'), TAG.sequence, 'the DigestInfo'));
    const [id, params, ...more] = children(expectTag(alg, TAG.sequence, 'the DigestInfo'));
    if (rest.length > 0 || more.length > 0) throw notDigestInfo();
    oidText = readOid(expectTag(id, TAG.oid, 'the DigestInfo'), 'the DigestInfo');
    // DER only: what the card got must be exactly what it would have been given.
    if (!seq(algorithm(oidText, params !== undefined), octets(expectTag(digest, TAG.octetString, 'the DigestInfo').content)).equals(bytes)) throw notDigestInfo();
    digestLength = digest!.content.length;
  } catch (err) {
    if (err instanceof DerError) throw notDigestInfo();
    throw err;
  }
  if (oidText !== SHA256_OID) throw new CardError('INVALID_ARGUMENT', 'NOT_SHA256', `the DigestInfo names ${oidText}; a JPKI card here signs SHA-256 only`);
  if (digestLength !== 32) throw notDigestInfo();
}

/**
 * A JPKI card's signing application as a phone app or the Digital Agency sign API would
 * present it: the signing certificate, and RSA PKCS#1 v1.5 over a DigestInfo the host computed,
 * behind the signing password (6–16 A–Z/0–9; locked after 5 wrong tries, persisted beside the
 * identity so the lock holds across processes).
 */
export class CardSimulator {
  private constructor(
    readonly dir: string,
    private readonly key: KeyObject,
    private readonly certDer: Buffer,
    private readonly authCertDer: Buffer,
    private readonly password: string,
  ) {}

  /** Opens a card directory (`DIR/people/NAME` of a test PKI); open it again after a renewal. */
  static open(dir: string): CardSimulator {
    const file = (f: string) => join(dir, f);
    if (!existsSync(file(CARD_FILES.signingCert)) || !existsSync(file(CARD_FILES.signingKey))) {
      throw new CardError('NOT_FOUND', 'NO_CARD', `${dir} is not a test card (expected ${CARD_FILES.signingCert} and ${CARD_FILES.signingKey}; see ./jitsuin pki init)`);
    }
    return new CardSimulator(
      dir,
      createPrivateKey(readFileSync(file(CARD_FILES.signingKey), 'utf8')),
      fromPem(readFileSync(file(CARD_FILES.signingCert), 'utf8'), 'CERTIFICATE'),
      fromPem(readFileSync(file(CARD_FILES.authCert), 'utf8'), 'CERTIFICATE'),
      readFileSync(file(CARD_FILES.password), 'utf8').trim(),
    );
  }

  /** DER of the signing certificate (署名用電子証明書); reading it needs no password here. */
  signingCertificate(): Buffer {
    return Buffer.from(this.certDer);
  }

  /** DER of the user-authentication certificate (no basic-4 facts). */
  authenticationCertificate(): Buffer {
    return Buffer.from(this.authCertDer);
  }

  /** The DER of the issuing root, as the card also holds it (署名用CA証明書). */
  issuerCertificate(): Buffer {
    return fromPem(readFileSync(join(this.dir, CARD_FILES.signingCa), 'utf8'), 'CERTIFICATE');
  }

  triesLeft(): number {
    return Math.max(0, MAX_PASSWORD_TRIES - this.readState().wrongTries);
  }

  /**
   * Signs a DER DigestInfo (SHA-256) with the signing key: RSA PKCS#1 v1.5, the card adding the
   * padding. A malformed password or input is refused before the password is tried, so it costs
   * no try; a wrong password costs one; the fifth locks the card for good.
   */
  async sign(digestInfo: Buffer, password: string): Promise<Buffer> {
    if (!PASSWORD_FORMAT.test(password)) {
      throw new CardError('INVALID_ARGUMENT', 'PASSWORD_FORMAT', 'the signing password is 6 to 16 upper-case letters (A–Z) and digits');
    }
    const state = this.readState();
    if (state.wrongTries >= MAX_PASSWORD_TRIES) throw this.locked();
    checkSha256DigestInfo(digestInfo);
    if (password !== this.password) {
      state.wrongTries += 1;
      await this.writeState(state);
      if (state.wrongTries >= MAX_PASSWORD_TRIES) throw this.locked();
      const left = MAX_PASSWORD_TRIES - state.wrongTries;
      throw new CardError('INVALID_ARGUMENT', 'WRONG_PASSWORD', `wrong signing password: ${left} ${left === 1 ? 'try' : 'tries'} left before the card locks`, left);
    }
    if (state.wrongTries !== 0) await this.writeState({ wrongTries: 0 });
    return privateEncrypt({ key: this.key, padding: constants.RSA_PKCS1_PADDING }, digestInfo);
  }

  private locked(): CardError {
    return new CardError('FAILED_PRECONDITION', 'LOCKED', 'the signing password is locked after 5 wrong tries; the card holder must reset it at their municipal office', 0);
  }

  private readState(): CardState {
    const file = join(this.dir, CARD_FILES.state);
    return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as CardState) : { wrongTries: 0 };
  }

  private writeState(state: CardState): Promise<void> {
    return writeFileAtomic(join(this.dir, CARD_FILES.state), `${JSON.stringify(state)}\n`);
  }
}
