import { Schema, type Connection, type Model } from 'mongoose';
import { insertWithEvents, isDuplicateKey, outboxFields, type OutboxEntry } from '@jitsuin/store';
import type { StoredReport } from '../domain/stored-report.js';

interface ReportRecord extends Omit<StoredReport, 'id'> {
  _id: string;
  outbox: OutboxEntry[];
  outboxPending: boolean;
  relayLeaseUntil: Date | null;
}

const reportSchema = new Schema<ReportRecord>(
  {
    _id: String,
    tenantId: { type: String, required: true },
    contractId: String,
    documentId: String,
    revisionId: String,
    eventId: { type: String, index: true },
    indication: String,
    subIndication: String,
    signatureCount: Number,
    reportJson: String,
    verifiedAt: Date,
    signerFacts: Schema.Types.Mixed,
    ...outboxFields,
  },
  { versionKey: false, minimize: true },
);

export type ReportModel = Model<ReportRecord>;

export function reportModel(connection: Connection): ReportModel {
  return connection.model<ReportRecord>('VerificationReport', reportSchema, 'reports');
}

function toReport(record: ReportRecord): StoredReport {
  const { _id, outbox: _outbox, outboxPending: _pending, relayLeaseUntil: _lease, ...rest } = record;
  return { id: _id, ...rest, subIndication: rest.subIndication ?? null };
}

export class ReportRepository {
  constructor(private readonly model: ReportModel) {}

  /**
   * Stores the report with its verification.completed event in one insert. False when the
   * revision has a report already (a redelivered event, or another replica was first).
   */
  async insert(report: StoredReport, events: OutboxEntry[]): Promise<boolean> {
    try {
      await insertWithEvents(this.model.collection, report, events);
      return true;
    } catch (err) {
      if (isDuplicateKey(err)) return false;
      throw err;
    }
  }

  async find(tenantId: string, revisionId: string): Promise<StoredReport | undefined> {
    const record = await this.model.collection.findOne({ _id: revisionId, tenantId } as never, { projection: { outbox: 0 } });
    return record ? toReport(record as unknown as ReportRecord) : undefined;
  }
}
