import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Channel, DeliveryStatus, Language } from '@jitsuin/proto/notification/v1/notification';
import { startSmtp, type ReceivedMail, type SmtpCapture } from '@jitsuin/testkit/receivers';
import {
  baseConfig,
  closePublisher,
  event,
  listDeliveries,
  mortgageStart,
  newTenant,
  publish,
  setConfig,
  startTestService,
  type TestService,
} from './harness.js';

let t: TestService;
let smtp: SmtpCapture;
beforeAll(async () => {
  smtp = await startSmtp();
  t = await startTestService({ smtpUrl: smtp.url, mailFrom: 'Jitsuin <no-reply@jitsuin.test>' });
});
afterAll(async () => {
  await t?.stop();
  await smtp?.stop();
  await closePublisher();
});

const mailsTo = (address: string) => smtp.mails.filter((m) => m.to.includes(address));
const only = (mails: ReceivedMail[]) => {
  expect(mails).toHaveLength(1);
  return mails[0]!;
};

describe('e-mail', () => {
  it('invites the parties of the open step in Japanese, with the role, the title, the deadline and the link', async () => {
    const tenantId = newTenant('bank');
    await setConfig(
      t,
      baseConfig(tenantId, {
        email: { enabled: true, from: '', operatorAddresses: [`ops@${tenantId}.example.jp`], notifyParties: true },
        portalUrl: 'https://sign.example.jp/contracts/{contractId}',
      }),
    );
    const flow = mortgageStart(tenantId);
    await publish(flow.created, flow.sent, flow.stepOpened);

    await expect.poll(() => smtp.mails.filter((m) => m.text.includes(flow.contractId)).length, { timeout: 30_000 }).toBe(2);
    const borrower = only(mailsTo('borrower@example.jp').filter((m) => m.text.includes(flow.contractId)));
    expect(borrower.subject).toBe('【署名のお願い】住宅ローン契約');
    expect(borrower.from).toBe('no-reply@jitsuin.test');
    expect(borrower.text).toContain('借主（主債務者） 様');
    expect(borrower.text).toContain('「住宅ローン契約」への電子署名をお願いいたします。');
    expect(borrower.text).toContain('署名期限: 2030年4月1日 18:00');
    expect(borrower.text).toContain(`契約を開く: https://sign.example.jp/contracts/${flow.contractId}`);
    const coBorrower = only(mailsTo('co.borrower@example.jp').filter((m) => m.text.includes(flow.contractId)));
    expect(coBorrower.text).toContain('連帯債務者 様');
    // The guarantor's step is not open; operators are not told of invitations.
    expect(mailsTo('guarantor@example.jp').filter((m) => m.text.includes(flow.contractId))).toHaveLength(0);
    expect(mailsTo(`ops@${tenantId}.example.jp`)).toHaveLength(0);

    // The SMTP server has the mails a moment before the attempts are recorded.
    await expect
      .poll(async () => (await listDeliveries(t, tenantId, flow.stepOpened.id)).map((d) => d.status), { timeout: 30_000 })
      .toEqual([DeliveryStatus.DELIVERY_STATUS_DELIVERED, DeliveryStatus.DELIVERY_STATUS_DELIVERED]);
    const log = await listDeliveries(t, tenantId, flow.stepOpened.id);
    for (const delivery of log) {
      expect(delivery).toMatchObject({ channel: Channel.CHANNEL_EMAIL, status: DeliveryStatus.DELIVERY_STATUS_DELIVERED, attempts: 1, eventType: 'contract.step_opened' });
      expect(delivery.attemptLog).toHaveLength(1);
      expect(delivery.attemptLog[0]!.succeeded).toBe(true);
    }
    // The log shows addresses masked.
    expect(log.map((d) => d.target).sort()).toEqual(['bo***@example.jp', 'co***@example.jp']);
    expect(log.find((d) => d.target === 'bo***@example.jp')?.partyId).toBe('borrower');
  });

  it('tells every party and the operators in English when the contract is declined', async () => {
    const tenantId = newTenant('agent');
    const ops = `ops@${tenantId}.example.jp`;
    await setConfig(
      t,
      baseConfig(tenantId, {
        language: Language.LANGUAGE_EN,
        email: { enabled: true, from: 'Sakura Realty <contracts@sakura.example.jp>', operatorAddresses: [ops], notifyParties: true },
      }),
    );
    const flow = mortgageStart(tenantId);
    const declined = event(tenantId, flow.contractId, {
      $case: 'contractDeclined',
      value: { contractId: flow.contractId, partyId: 'guarantor', comment: 'The amount is wrong.' },
    });
    await publish(flow.created, flow.sent, declined);

    // Three parties with an address, one operator; the lender has none.
    await expect.poll(() => smtp.mails.filter((m) => m.text.includes(flow.contractId)).length, { timeout: 30_000 }).toBe(4);
    const toGuarantor = only(mailsTo('guarantor@example.jp').filter((m) => m.text.includes(flow.contractId)));
    expect(toGuarantor.subject).toBe('Declined: 住宅ローン契約');
    expect(toGuarantor.from).toBe('contracts@sakura.example.jp');
    expect(toGuarantor.text).toContain('Dear guarantor,');
    expect(toGuarantor.text).toContain('"住宅ローン契約" was declined by the guarantor (guarantor).');
    expect(toGuarantor.text).toContain('Reason: The amount is wrong.');
    const toOps = only(mailsTo(ops));
    expect(toOps.text).toContain('Hello,');
    expect(toOps.text).toContain('declined by the guarantor');
    expect(toOps.headers.get('x-jitsuin-delivery-id')).toMatch(/^[0-9a-f]{32}$/);
    expect(toOps.headers.get('message-id')).toMatch(/^<[0-9a-f-]{36}@sakura\.example\.jp>$/);
  });

  it('reminds the parties who have not signed before the deadline', async () => {
    const tenantId = newTenant('agent');
    await setConfig(t, baseConfig(tenantId, { language: Language.LANGUAGE_EN, email: { enabled: true, from: '', operatorAddresses: [`ops@${tenantId}.example.jp`], notifyParties: true } }));
    const flow = mortgageStart(tenantId);
    const reminder = event(tenantId, flow.contractId, {
      $case: 'contractReminder',
      value: { contractId: flow.contractId, stepIndex: 1, partyIds: ['guarantor'], deadline: new Date('2030-04-01T09:00:00Z') },
    });
    await publish(flow.created, reminder);

    await expect.poll(() => smtp.mails.filter((m) => m.text.includes(flow.contractId)).length, { timeout: 30_000 }).toBe(1);
    const mail = only(mailsTo('guarantor@example.jp').filter((m) => m.text.includes(flow.contractId)));
    expect(mail.subject).toBe('Reminder, please sign: 住宅ローン契約');
    expect(mail.text).toContain('You have not yet signed "住宅ローン契約".');
    expect(mail.text).toContain('Sign by: 1 April 2030 at 18:00 (Japan time)');
  });
});
