import { encodeEvent, type EventConsumer, type EventEnvelope, startServiceConsumer, Topics, type KafkaConnection } from '@jitsuin/events';
import type { Logger } from '@jitsuin/rpc';
import type { ContractRepository } from '../store/contracts.js';
import type { DocumentRepository } from '../store/documents.js';
import { documentLogId, type EventLogRepository } from '../store/event-log.js';

/**
 * Keeps each contract's event log: every event of every topic about a contract this service
 * holds (its own contract.*, document.* and revision.* events, and the signing and verification
 * services' signature.*, verification.* and certificate.* events), appended in arrival order and
 * once per event id (store/event-log.ts). The log is what an evidence package's hash chain is
 * made of (app/evidence.ts).
 *
 * Which contract an event is about: its subject (the Kafka key) when that is a contract of the
 * event's tenant here, else the contract id in its payload. An event about a document (uploaded
 * before a contract took it: its subject is the document id) goes to the contract of that
 * document, or, while the document has none, waits in the document's own log; the contract's log
 * adopts those when contract.created comes, and again before an export. Events about nothing this
 * service holds are passed over.
 */

/** The ids an event's payload names, if any. */
function idsOf(event: EventEnvelope): { contractId?: string; documentId?: string } {
  const value = event.payload?.value as { contractId?: unknown; documentId?: unknown } | undefined;
  const pick = (v: unknown) => (typeof v === 'string' && v !== '' ? v : undefined);
  return { contractId: pick(value?.contractId), documentId: pick(value?.documentId) };
}

export class EventLogRecorder {
  constructor(
    private readonly log: EventLogRepository,
    private readonly contracts: ContractRepository,
    private readonly documents: DocumentRepository,
  ) {}

  async record(event: EventEnvelope): Promise<void> {
    const entry = {
      tenantId: event.tenantId,
      eventId: event.id,
      type: event.type,
      time: event.time ?? new Date(0),
      subject: event.subject,
      envelope: encodeEvent(event),
    };
    const ids = idsOf(event);
    const contractId = await this.contractOf(event.tenantId, [event.subject, ids.contractId]);
    if (contractId) {
      if (event.payload?.$case === 'contractCreated') await this.adopt(event.tenantId, contractId, event.payload.value.documentIds);
      await this.log.append({ ...entry, logId: contractId });
      return;
    }
    const documentId = ids.documentId ?? (event.payload?.$case === 'documentUploaded' ? event.subject : undefined);
    if (!documentId) return;
    const document = await this.documents.find(event.tenantId, documentId);
    if (!document) return;
    if (document.contractId) {
      await this.log.append({ ...entry, logId: document.contractId });
      return;
    }
    await this.log.append({ ...entry, logId: documentLogId(documentId) });
    // A contract may have taken the document between the read above and that write, and its
    // contract.created have adopted the document's log before the write: look again.
    const again = await this.documents.find(event.tenantId, documentId);
    if (again?.contractId) await this.log.append({ ...entry, logId: again.contractId });
  }

  /** Copies the events that waited in the documents' own logs into the contract's log (idempotent). */
  async adopt(tenantId: string, contractId: string, documentIds: string[]): Promise<void> {
    for (const documentId of documentIds) {
      for (const waiting of await this.log.list(tenantId, documentLogId(documentId), 10_000)) {
        const { seq: _seq, receivedAt: _received, logId: _log, ...entry } = waiting;
        await this.log.append({ ...entry, logId: contractId });
      }
    }
  }

  private async contractOf(tenantId: string, candidates: (string | undefined)[]): Promise<string | undefined> {
    const tried = new Set<string>();
    for (const id of candidates) {
      if (!id || tried.has(id)) continue;
      tried.add(id);
      if (await this.contracts.find(tenantId, id)) return id;
    }
    return undefined;
  }
}

export function startEventLogConsumer(
  settings: { kafka: KafkaConnection; groupId: string; fromBeginning: boolean },
  recorder: EventLogRecorder,
  logger: Logger,
): Promise<EventConsumer> {
  return startServiceConsumer({
    kafka: settings.kafka,
    clientId: 'document-event-log',
    groupId: settings.groupId,
    topics: [Topics.contract, Topics.signature, Topics.verification],
    fromBeginning: settings.fromBeginning,
    handle: (event) => recorder.record(event),
    logger,
  });
}
