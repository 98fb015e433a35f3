import { randomBytes } from 'node:crypto';
import * as pkijs from 'pkijs';
import { basic4OtherNames, JPKI_TEST_SIGNING_POLICY } from '@jitsuin/jpki';
import {
  authorityInfoAccess,
  basicConstraints,
  certificatePolicies,
  crlDistributionPoint,
  EKU,
  extendedKeyUsage,
  issuerAltName,
  keyUsage,
  ocspNoCheck,
  subjectAltName,
} from './extensions.js';
import { type Issuer, issueCertificate, newSerial } from './issue.js';
import { dn, type DnPart, JPKI_SERVICE_NAME, personDn } from './names.js';
import type { PersonSpec, SealSpec } from './people.js';

/** Certificate profiles of the test PKI: which extensions each kind of certificate carries. */

const DAY = 86_400_000;
const YEAR = 365 * DAY;

/** Test policy OIDs for the organisation CA's seals and TSA, under the 2.999 "example" arc. */
export const TEST_SEAL_POLICY = '2.999.392.1.1';
export const TEST_TSA_POLICY = '2.999.392.1.2';

/** Where a certificate's revocation data lives (the real JPKI has no URLs; ours serve tests). */
export interface RevocationUrls {
  crl: string;
  ocsp: string;
  caIssuers: string;
}

const directoryName = (parts: DnPart[]) => new pkijs.GeneralName({ type: 4, value: dn(parts) });

export function issueRoot(o: { subject: DnPart[]; spki: Uint8Array; key: CryptoKey; notBefore: Date; notAfter: Date; jpki: boolean }) {
  return issueCertificate({
    subject: dn(o.subject),
    spki: o.spki,
    selfKey: o.key,
    serial: newSerial(),
    notBefore: o.notBefore,
    notAfter: o.notAfter,
    // Like J-LIS' roots: keyCertSign + cRLSign, CA, and the service name as a directoryName SAN.
    extensions: [keyUsage(['keyCertSign', 'cRLSign']), basicConstraints(true), ...(o.jpki ? [subjectAltName([directoryName(JPKI_SERVICE_NAME)])] : [])],
  });
}

/** 5th birthday after `issued` (the JPKI signing certificate's end), at 23:59:59 JST. */
export function fifthBirthdayAfter(dateOfBirth: string, issued: Date): Date {
  const [, m, d] = dateOfBirth.split('-').map(Number) as [number, number, number];
  const birthday = (y: number) => new Date(Date.UTC(y, m - 1, d, 14, 59, 59));
  const first = birthday(issued.getUTCFullYear()) > issued ? 0 : 1; // is this year's birthday still ahead?
  return birthday(issued.getUTCFullYear() + first + 4);
}

/** Opaque CN like J-LIS': issue time, random part, sequence — it identifies nothing about the person. */
export function opaqueId(at: Date, seq: number): string {
  const t = at.toISOString().replace(/\D/g, '').slice(0, 14);
  return `${t}${randomBytes(4).toString('hex').toUpperCase()}${String(seq).padStart(4, '0')}`;
}

interface PersonCertRequest {
  person: PersonSpec;
  ca: Issuer;
  spki: Uint8Array;
  urls: RevocationUrls;
  issuedAt: Date;
  seq: number;
}

function validity(person: PersonSpec, ca: Issuer, issuedAt: Date): { notBefore: Date; notAfter: Date } {
  const end = fifthBirthdayAfter(person.facts.dateOfBirth, issuedAt);
  const caEnd = ca.cert.notAfter.value;
  return { notBefore: issuedAt, notAfter: end < caEnd ? end : caEnd };
}

const revocationPointers = (urls: RevocationUrls) => [crlDistributionPoint(urls.crl), authorityInfoAccess({ ocsp: urls.ocsp, caIssuers: urls.caIssuers })];

/** 署名用電子証明書: basic-4 facts, digitalSignature + nonRepudiation, the TEST signing policy (critical). */
export function issuePersonSigning(r: PersonCertRequest) {
  return issueCertificate({
    subject: dn(personDn(r.person.prefecture, r.person.city, opaqueId(r.issuedAt, r.seq))),
    spki: r.spki,
    issuer: r.ca,
    serial: newSerial(),
    ...validity(r.person, r.ca, r.issuedAt),
    extensions: [
      keyUsage(['digitalSignature', 'nonRepudiation']),
      certificatePolicies([JPKI_TEST_SIGNING_POLICY], true),
      subjectAltName(basic4OtherNames(r.person.facts)),
      issuerAltName([directoryName(JPKI_SERVICE_NAME)]),
      ...revocationPointers(r.urls),
    ],
  });
}

/**
 * 利用者証明用電子証明書: digitalSignature only and no facts. No certificatePolicies: the
 * production auth policy is known but no test-hierarchy one is, and a test certificate must not
 * claim a production policy.
 */
export function issuePersonAuth(r: PersonCertRequest) {
  return issueCertificate({
    subject: dn(personDn(r.person.prefecture, r.person.city, opaqueId(r.issuedAt, r.seq))),
    spki: r.spki,
    issuer: r.ca,
    serial: newSerial(),
    ...validity(r.person, r.ca, r.issuedAt),
    extensions: [keyUsage(['digitalSignature']), issuerAltName([directoryName(JPKI_SERVICE_NAME)]), ...revocationPointers(r.urls)],
  });
}

export function issueSeal(o: { seal: SealSpec; ca: Issuer; spki: Uint8Array; urls: RevocationUrls; issuedAt: Date }) {
  return issueCertificate({
    subject: dn([['C', 'JP'], ['O', o.seal.organisation], ['OU', o.seal.unit], ['CN', `${o.seal.organisation} 電子契約印`]]),
    spki: o.spki,
    issuer: o.ca,
    serial: newSerial(),
    notBefore: o.issuedAt,
    notAfter: new Date(o.issuedAt.getTime() + 3 * YEAR),
    extensions: [keyUsage(['digitalSignature', 'nonRepudiation']), certificatePolicies([TEST_SEAL_POLICY], false), ...revocationPointers(o.urls)],
  });
}

/** RFC 3161 2.3: the TSA certificate has exactly one EKU, timeStamping, and it is critical. */
export function issueTsa(o: { subject: DnPart[]; ca: Issuer; spki: Uint8Array; urls: RevocationUrls; issuedAt: Date }) {
  return issueCertificate({
    subject: dn(o.subject),
    spki: o.spki,
    issuer: o.ca,
    serial: newSerial(),
    notBefore: o.issuedAt,
    notAfter: new Date(o.issuedAt.getTime() + 5 * YEAR),
    extensions: [keyUsage(['digitalSignature', 'nonRepudiation']), extendedKeyUsage([EKU.timeStamping], true), ...revocationPointers(o.urls)],
  });
}

/** Delegated OCSP responder (RFC 6960 4.2.2.2): id-kp-OCSPSigning, and ocsp-nocheck so its own status is not asked. */
export function issueOcspResponder(o: { subject: DnPart[]; ca: Issuer; spki: Uint8Array; issuedAt: Date }) {
  return issueCertificate({
    subject: dn(o.subject),
    spki: o.spki,
    issuer: o.ca,
    serial: newSerial(),
    notBefore: o.issuedAt,
    notAfter: new Date(o.issuedAt.getTime() + 2 * YEAR),
    extensions: [keyUsage(['digitalSignature']), extendedKeyUsage([EKU.ocspSigning], false), ocspNoCheck()],
  });
}

export { DAY, YEAR };
