/** The test JPKI PKI: CAs and sample people, CRL/OCSP/TSA servers, scenario controls, card simulator. */
export { createTestPki, type InitTiming, openTestPki, type TestPki } from './create.js';
export { startPkiServers, PkiServerControls, type PkiServers } from './server.js';
export { PkiControls, type CertStatusView, type PersonCert, type RevocationResult } from './controls.js';
export { DEFAULT_OCSP_BEHAVIOUR, type OcspBehaviour } from './responder.js';
export { CardError, type CardErrorCode, CardSimulator, MAX_PASSWORD_TRIES } from './card.js';
export { CARD_FILES } from './card-files.js';
export { SAMPLE_PEOPLE, SAMPLE_SEALS, type PersonSpec, type SealSpec } from './people.js';
export { TEST_SEAL_POLICY, TEST_TSA_POLICY } from './profiles.js';
export type { CaEntry, PersonEntry, PkiManifest, PkiState, SealEntry } from './store.js';
export { DEFAULT_BASE_URL } from './urls.js';
export { freePort } from './port.js';
export { remakeCertificate, type Remade, selfMadeCa } from './forge.js';
export type { Issuer } from './issue.js';
export type { RsaKey } from './keys.js';
