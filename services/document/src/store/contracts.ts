import { Schema, type Connection, type Model } from 'mongoose';
import type { Contract, ContractState } from '../domain/contract.js';
import { insertWithEvents, outboxFields, type OutboxEntry } from '@jitsuin/store';

interface ContractRecord extends Omit<Contract, 'id'> {
  _id: string;
  outbox: OutboxEntry[];
  outboxPending: boolean;
  relayLeaseUntil: Date | null;
}

const contractSchema = new Schema<ContractRecord>(
  {
    _id: String,
    tenantId: { type: String, required: true },
    title: String,
    kind: String,
    state: String,
    parties: [
      new Schema(
        {
          id: String,
          kind: String,
          role: String,
          email: String,
          expectedFacts: { name: String, address: String, dateOfBirth: String, gender: String },
          sealId: String,
          language: String,
        },
        { _id: false },
      ),
    ],
    documents: [new Schema({ documentId: String, title: String, signerPartyIds: { type: [String], default: undefined } }, { _id: false })],
    steps: [new Schema({ partyIds: [String] }, { _id: false })],
    deadline: Date,
    createdAt: Date,
    updatedAt: Date,
    sentAt: Date,
    end: { reason: String, partyId: String, comment: String, at: Date },
    certifyingPartyId: String,
    openSteps: Number,
    verified: [new Schema({ documentId: String, revisionId: String }, { _id: false })],
    remindedAt: Date,
    version: Number,
    ...outboxFields,
  },
  { versionKey: false, minimize: true },
);
// Listing a tenant's contracts newest first, with a cursor on (createdAt, _id).
contractSchema.index({ tenantId: 1, createdAt: -1, _id: -1 });

export type ContractModel = Model<ContractRecord>;

export function contractModel(connection: Connection): ContractModel {
  return connection.model<ContractRecord>('Contract', contractSchema, 'contracts');
}

function toContract(record: ContractRecord): Contract {
  const { _id, outbox: _outbox, outboxPending: _pending, relayLeaseUntil: _lease, ...rest } = record;
  // Contracts stored before steps were tracked: none open until sent, the first one after.
  const openSteps = rest.openSteps ?? (rest.state === 'DRAFT' ? 0 : 1);
  return { id: _id, ...rest, openSteps, verified: rest.verified ?? [] };
}

export interface ContractPage {
  contracts: Contract[];
  /** The last contract of the page when more may follow. */
  last?: { createdAt: Date; id: string };
}

export class ContractRepository {
  constructor(private readonly model: ContractModel) {}

  insert(contract: Contract, events: OutboxEntry[]): Promise<void> {
    return insertWithEvents(this.model.collection, contract, events);
  }

  async find(tenantId: string, id: string): Promise<Contract | undefined> {
    const record = await this.model.findOne({ _id: id, tenantId }).lean<ContractRecord>();
    return record ? toContract(record) : undefined;
  }

  async list(
    tenantId: string,
    options: { limit: number; after?: { createdAt: Date; id: string }; state?: ContractState },
  ): Promise<ContractPage> {
    const filter: Record<string, unknown> = { tenantId };
    if (options.state) filter.state = options.state;
    if (options.after) {
      filter.$or = [
        { createdAt: { $lt: options.after.createdAt } },
        { createdAt: options.after.createdAt, _id: { $lt: options.after.id } },
      ];
    }
    const records = await this.model
      .find(filter)
      .sort({ createdAt: -1, _id: -1 })
      .limit(options.limit + 1)
      .lean<ContractRecord[]>();
    const contracts = records.slice(0, options.limit).map(toContract);
    const lastOfPage = contracts.at(-1);
    return {
      contracts,
      last: records.length > options.limit && lastOfPage
        ? { createdAt: lastOfPage.createdAt, id: lastOfPage.id }
        : undefined,
    };
  }

  /**
   * Contracts out for signing whose deadline is before `before`, soonest first, across tenants:
   * what the deadline scheduler reminds or expires.
   */
  async dueBefore(before: Date, limit: number): Promise<Contract[]> {
    const records = await this.model
      .find({ state: { $in: ['SENT', 'PARTIALLY_SIGNED'] }, deadline: { $lte: before } })
      .sort({ deadline: 1 })
      .limit(limit)
      .lean<ContractRecord[]>();
    return records.map(toContract);
  }

  /**
   * Writes a change made from `from`, with its events, only if nobody changed the contract
   * since it was read. Returns false when someone did (the caller decides again).
   */
  async update(from: Contract, change: Partial<Contract>, events: OutboxEntry[]): Promise<boolean> {
    const result = await this.model.collection.updateOne(
      { _id: from.id, version: from.version } as never,
      {
        $set: { ...change, version: from.version + 1, outboxPending: true },
        $push: { outbox: { $each: events } },
      } as never,
    );
    return result.matchedCount === 1;
  }
}
