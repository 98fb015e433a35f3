import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { newEvent } from '@jitsuin/events';
import { Indication } from '@jitsuin/proto/verification/v1/verification';
import { afterFailure, deliveryId, plan } from './delivery.js';
import { type ContractContacts, understand, type Understood } from './notice.js';
import { checkTenantConfig, maskEmail, withoutSecrets, type TenantConfig } from './tenant-config.js';
import { renderEmail } from './templates.js';
import { signatureHeader } from './webhook-signature.js';

const now = new Date('2025-06-01T00:00:00Z');
const secret = 'x'.repeat(32);

function config(overrides: Partial<TenantConfig> = {}): TenantConfig {
  return {
    tenantId: 'bank',
    language: 'ja',
    email: { enabled: true, operatorAddresses: ['ops@bank.example.jp'], notifyParties: true },
    webhooks: [{ url: 'https://hooks.bank.example.jp/jitsuin', keys: [{ keyId: 'k1', secret }], eventTypes: [] }],
    line: { enabled: true, channelAccessToken: 't', to: ['U1'], eventTypes: [] },
    updatedAt: now,
    ...overrides,
  };
}

const contacts: ContractContacts = {
  tenantId: 'bank',
  contractId: 'c-1',
  title: '金銭消費貸借契約',
  parties: [
    { partyId: 'borrower', role: 'BORROWER', organization: false, email: 'borrower@example.jp' },
    { partyId: 'guarantor', role: 'GUARANTOR', organization: false, email: 'guarantor@example.jp' },
    { partyId: 'bank', role: 'LENDER', organization: true },
  ],
};

const understood = (type: string, notice: Understood['notice']): Understood => ({
  eventId: 'e-1',
  type,
  tenantId: 'bank',
  contractId: 'c-1',
  time: now,
  notice,
  data: {},
});

const targets = (deliveries: ReturnType<typeof plan>) => deliveries.map((d) => `${d.channel} ${d.target}`).sort();

describe('who is told', () => {
  it('an invitation goes to the step’s parties by e-mail and to webhooks, not to operators or LINE', () => {
    const deliveries = plan(understood('contract.step_opened', { kind: 'invitation', partyIds: ['borrower'], stepIndex: 0 }), config(), contacts, now, 5);
    expect(targets(deliveries)).toEqual(['EMAIL borrower@example.jp', 'WEBHOOK https://hooks.bank.example.jp/jitsuin']);
    expect(deliveries.find((d) => d.channel === 'EMAIL')?.partyId).toBe('borrower');
  });

  it('a party with a language of its own is written to in it; the others in the tenant’s', () => {
    const mixed: ContractContacts = { ...contacts, parties: contacts.parties.map((p) => (p.partyId === 'guarantor' ? { ...p, language: 'en' as const } : p)) };
    const deliveries = plan(understood('contract.step_opened', { kind: 'invitation', partyIds: ['borrower', 'guarantor'], stepIndex: 0 }), config(), mixed, now, 5);
    const text = (to: string) => JSON.stringify(deliveries.find((d) => d.target === to)?.content);
    expect(text('guarantor@example.jp')).toContain('Dear guarantor');
    expect(text('borrower@example.jp')).toContain('借主（主債務者） 様');
  });

  it('a reminder goes to the parties who have not signed, by e-mail, and to webhooks', () => {
    const deliveries = plan(understood('contract.reminder', { kind: 'reminder', partyIds: ['guarantor'], stepIndex: 1, deadline: now }), config(), contacts, now, 5);
    expect(targets(deliveries)).toEqual(['EMAIL guarantor@example.jp', 'WEBHOOK https://hooks.bank.example.jp/jitsuin']);
  });

  it('the end of a contract goes to every party with an address, the operators, webhooks and LINE', () => {
    const deliveries = plan(understood('contract.voided', { kind: 'voided', comment: '', byVerification: false }), config(), contacts, now, 5);
    expect(targets(deliveries)).toEqual([
      'EMAIL borrower@example.jp',
      'EMAIL guarantor@example.jp',
      'EMAIL ops@bank.example.jp',
      'LINE U1',
      'WEBHOOK https://hooks.bank.example.jp/jitsuin',
    ]);
  });

  it('honours the channels and event types each tenant chose', () => {
    const quiet = config({
      email: { enabled: true, operatorAddresses: [], notifyParties: false },
      webhooks: [{ url: 'https://h.example', keys: [{ keyId: 'k', secret }], eventTypes: ['contract.completed'] }],
      line: { enabled: false, channelAccessToken: '', to: [], eventTypes: [] },
    });
    expect(plan(understood('contract.voided', { kind: 'voided', comment: '', byVerification: false }), quiet, contacts, now, 5)).toEqual([]);
    expect(targets(plan(understood('contract.completed', { kind: 'completed' }), quiet, contacts, now, 5))).toEqual(['WEBHOOK https://h.example']);
  });

  it('plans the same ids for the same event, so a redelivered event adds nothing', () => {
    const u = understood('contract.completed', { kind: 'completed' });
    expect(plan(u, config(), contacts, now, 5).map((d) => d.id)).toEqual(plan(u, config(), contacts, now, 5).map((d) => d.id));
    expect(deliveryId('e-1', 'EMAIL', 'a@b.jp')).not.toBe(deliveryId('e-2', 'EMAIL', 'a@b.jp'));
    expect(deliveryId('e-1', 'EMAIL', 'a@b.jp')).not.toBe(deliveryId('e-1', 'LINE', 'a@b.jp'));
  });
});

describe('retries', () => {
  const policy = { maxAttempts: 4, initialMs: 100, maxMs: 1000 };
  it('waits after a failure while attempts remain, then dead-letters', () => {
    expect(afterFailure({ attempts: 0, attemptLimit: 4 }, policy, now, () => 150)).toEqual({ status: 'RETRYING', nextAttemptAt: new Date(now.getTime() + 150) });
    expect(afterFailure({ attempts: 2, attemptLimit: 4 }, policy, now, () => 150).status).toBe('RETRYING');
    expect(afterFailure({ attempts: 3, attemptLimit: 4 }, policy, now, () => 150)).toEqual({ status: 'DEAD_LETTERED' });
    // A replay's new round.
    expect(afterFailure({ attempts: 4, attemptLimit: 8 }, policy, now, () => 150).status).toBe('RETRYING');
  });
});

describe('settings', () => {
  it('keeps stored secrets for keys sent without one, and never shows them', () => {
    const stored = checkTenantConfig(config(), undefined, now);
    const next = checkTenantConfig(
      config({ webhooks: [{ url: 'https://hooks.bank.example.jp/jitsuin', keys: [{ keyId: 'k1', secret: '' }, { keyId: 'k2', secret: 'y'.repeat(40) }], eventTypes: [] }], line: { enabled: true, channelAccessToken: '', to: ['U1'], eventTypes: [] } }),
      stored,
      now,
    );
    expect(next.webhooks[0]!.keys).toEqual([{ keyId: 'k1', secret }, { keyId: 'k2', secret: 'y'.repeat(40) }]);
    expect(next.line.channelAccessToken).toBe('t');
    const shown = withoutSecrets(next);
    expect(JSON.stringify(shown)).not.toContain(secret);
    expect(shown.line.channelAccessToken).toBe('');
  });

  it('masks addresses for logs', () => {
    expect(maskEmail('borrower@example.jp')).toBe('bo***@example.jp');
    expect(maskEmail('a@example.jp')).toBe('***@example.jp');
    expect(maskEmail('nonsense')).toBe('***');
  });
});

describe('webhook signature', () => {
  it('is HMAC-SHA256 over "timestamp.body" with each key, named by key id', () => {
    const header = signatureHeader('{"a":1}', 1717000000, [{ keyId: 'old', secret: 's1' }, { keyId: 'new', secret: 's2' }]);
    const mac = (s: string) => createHmac('sha256', s).update('1717000000.{"a":1}').digest('hex');
    expect(header).toBe(`t=1717000000,v1=old:${mac('s1')},v1=new:${mac('s2')}`);
  });
});

describe('templates', () => {
  it('writes the same notice in Japanese and English', () => {
    const notice = { kind: 'expired' as const };
    const ctx = { contractId: 'c-1', title: '賃貸借契約', roles: new Map() };
    const party = { kind: 'party' as const, party: contacts.parties[0]! };
    const ja = renderEmail('ja', notice, ctx, party);
    const en = renderEmail('en', notice, ctx, party);
    expect(ja.subject).toBe('【期限切れ】賃貸借契約');
    expect(ja.text.split('\n')[0]).toBe('借主（主債務者） 様');
    expect(en.subject).toBe('Expired: 賃貸借契約');
    expect(en.text.split('\n')[0]).toBe('Dear borrower,');
    expect(en.text).toContain('Contract: c-1');
  });

  it('says when a contract was stopped by a failed verification rather than voided by its sender', () => {
    const ctx = { contractId: 'c-1', title: '賃貸借契約', roles: new Map() };
    const operator = { kind: 'operator' as const };
    expect(renderEmail('ja', { kind: 'voided', comment: 'TOTAL_FAILED', byVerification: true }, ctx, operator).text).toContain(
      '「賃貸借契約」は、署名の検証に合格しなかったため中止されました。',
    );
    expect(renderEmail('en', { kind: 'voided', comment: '', byVerification: false }, ctx, operator).text).toContain('"賃貸借契約" was voided.');
  });

  it('tells the sender, in Japanese and English, which facts of a signer\'s card did not match, without their values', () => {
    const event = newEvent({
      tenantId: 'bank',
      subject: 'c-1',
      payload: {
        $case: 'verificationCompleted',
        value: { contractId: 'c-1', documentId: 'd-1', revisionId: 'r-1', indication: Indication.INDICATION_TOTAL_FAILED, subIndication: 'SIGNER_FACTS_MISMATCH', signatureCount: 2, differingFacts: ['name', 'dateOfBirth'] },
      },
    });
    const read = understand(event)!;
    expect(read.notice).toMatchObject({ kind: 'verification_failed', subIndication: 'SIGNER_FACTS_MISMATCH', differingFacts: ['name', 'dateOfBirth'] });
    expect(read.data).toMatchObject({ differingFacts: ['name', 'dateOfBirth'] });
    const mails = (language: 'ja' | 'en') =>
      plan(read, config({ language }), contacts, now, 5).filter((d) => d.channel === 'EMAIL').map((d) => (d.content.channel === 'EMAIL' ? `${d.target}\n${d.content.text}` : ''));
    // The sender's staff hear of it; the parties do not (the void that follows tells them).
    expect(mails('ja')).toHaveLength(1);
    expect(mails('ja')[0]).toMatch(/^ops@bank\.example\.jp/);
    expect(mails('ja')[0]).toContain('署名に使われた電子証明書の氏名・生年月日が、契約で署名者として予定された方の情報と一致しません。');
    expect(mails('en')[0]).toContain("the name and date of birth in the signer's certificate do not match what the contract expects of the party");
    const one = understand({ ...event, payload: { $case: 'verificationCompleted', value: { ...(event.payload as { value: object }).value, differingFacts: ['address'] } as never } })!;
    expect(renderEmail('en', one.notice!, { contractId: 'c-1', roles: new Map() }, { kind: 'operator' }).text).toContain("the address in the signer's certificate does not match");
    // Another failure says nothing of facts.
    const other = understand({ ...event, payload: { $case: 'verificationCompleted', value: { ...(event.payload as { value: object }).value, subIndication: 'HASH_FAILURE', differingFacts: [] } as never } })!;
    expect(renderEmail('ja', other.notice!, { contractId: 'c-1', roles: new Map() }, { kind: 'operator' }).text).not.toContain('一致しません');
  });
});
