// The end-to-end tests' platform: e2e/platform.ts with the run's Kafka and FerretDB (vitest's
// global setup), a real SMTP server and a webhook receiver in the test process, and a tap on
// the topics. Everything is stopped by `stop()` (call it in afterAll).
import { startReceiver, startSmtp, type HttpReceiver, type SmtpCapture } from '@jitsuin/testkit/receivers';
import { testInfra } from '@jitsuin/testkit/vitest';
import { EventTap, MORTGAGE_PEOPLE } from './flow.js';
import { startPlatform, type PlatformOptions, type Platform } from './platform.js';

export * from './flow.js';
export type { Platform } from './platform.js';

export interface E2e {
  p: Platform;
  tap: EventTap;
  smtp: SmtpCapture;
  receiver: HttpReceiver;
  stop(): Promise<void>;
}

export async function startE2e(label: string, env: PlatformOptions['env'] = {}): Promise<E2e> {
  const { kafka, kafkaLogins, mongoUrl } = testInfra();
  const smtp = await startSmtp();
  const receiver = await startReceiver();
  let p: Platform | undefined;
  try {
    p = await startPlatform({ kafka, kafkaLogins, mongoUrl, label, people: MORTGAGE_PEOPLE, smtpUrl: smtp.url, env, log: () => {} });
    const tap = await EventTap.start(kafka, p.id);
    const platform = p;
    return {
      p: platform,
      tap,
      smtp,
      receiver,
      stop: async () => {
        await tap.stop().catch(() => undefined);
        await platform.stop();
        await receiver.stop();
        await smtp.stop();
      },
    };
  } catch (err) {
    await p?.stop().catch(() => undefined);
    await receiver.stop();
    await smtp.stop();
    throw err;
  }
}
