import { Schema, type Connection, type Model } from 'mongoose';
import type { Contact, ContractContacts } from '../domain/notice.js';

/**
 * What the service keeps of a contract between its events: its title, deadline and the
 * parties' roles and addresses, as contract.created and contract.sent carry them (a
 * step_opened event names only party ids). Forgotten when the contract ends.
 */
interface ContactsRecord {
  _id: string;
  tenantId: string;
  contractId: string;
  title?: string;
  deadline?: Date;
  parties: Contact[];
  updatedAt: Date;
}

const contactsSchema = new Schema<ContactsRecord>(
  {
    _id: String,
    tenantId: String,
    contractId: String,
    title: String,
    deadline: Date,
    parties: [new Schema({ partyId: String, role: String, organization: Boolean, email: String, language: String }, { _id: false })],
    updatedAt: Date,
  },
  { versionKey: false, minimize: true },
);

export type ContactsModel = Model<ContactsRecord>;

export function contactsModel(connection: Connection): ContactsModel {
  return connection.model<ContactsRecord>('ContractContacts', contactsSchema, 'contract_contacts');
}

const keyOf = (tenantId: string, contractId: string) => `${tenantId}/${contractId}`;

export class ContactsRepository {
  constructor(private readonly model: ContactsModel) {}

  async find(tenantId: string, contractId: string): Promise<ContractContacts | undefined> {
    const record = (await this.model.collection.findOne({ _id: keyOf(tenantId, contractId) } as never)) as ContactsRecord | null;
    if (!record) return undefined;
    return {
      tenantId: record.tenantId,
      contractId: record.contractId,
      ...(record.title ? { title: record.title } : {}),
      ...(record.deadline ? { deadline: record.deadline } : {}),
      parties: (record.parties ?? []).map((p) => ({
        partyId: p.partyId,
        role: p.role,
        organization: !!p.organization,
        ...(p.email ? { email: p.email } : {}),
        ...(p.language === 'ja' || p.language === 'en' ? { language: p.language } : {}),
      })),
    };
  }

  /** Records what an event says of the contract; the same event twice writes the same. */
  async record(tenantId: string, contractId: string, seen: { title?: string; deadline?: Date; parties: Contact[] }, now: Date): Promise<void> {
    await this.model.collection.updateOne(
      { _id: keyOf(tenantId, contractId) } as never,
      {
        $set: {
          tenantId,
          contractId,
          parties: seen.parties,
          updatedAt: now,
          ...(seen.title ? { title: seen.title } : {}),
          ...(seen.deadline ? { deadline: seen.deadline } : {}),
        },
      } as never,
      { upsert: true },
    );
  }

  async forget(tenantId: string, contractId: string): Promise<void> {
    await this.model.collection.deleteOne({ _id: keyOf(tenantId, contractId) } as never);
  }
}
