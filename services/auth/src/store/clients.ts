import { aborted } from '@jitsuin/errors';
import { isDuplicateKey, type Connection } from '@jitsuin/store';
import { Schema, type Model } from 'mongoose';
import type { RegisteredClient } from '../domain/clients.js';
import type { JwkSet } from '../domain/jwks.js';

/** A tenant's client as stored: secrets only as hashes, keys only public. */
interface ClientDocument {
  _id: string;
  tenantId: string;
  name: string;
  roles: string[];
  authMethod: string;
  jwks?: JwkSet;
  secretHashes: string[];
  disabled: boolean;
  createdAt: Date;
  updatedAt: Date;
}

const clientSchema = new Schema<ClientDocument>(
  {
    _id: { type: String, required: true },
    tenantId: { type: String, required: true },
    name: { type: String, required: true },
    roles: { type: [String], required: true },
    authMethod: { type: String, required: true },
    jwks: { type: Schema.Types.Mixed },
    secretHashes: { type: [String], default: [] },
    disabled: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'clients', minimize: false },
);
clientSchema.index({ tenantId: 1, createdAt: 1 });

export type ClientModel = Model<ClientDocument>;
export const clientModel = (connection: Connection): ClientModel => connection.model<ClientDocument>('Client', clientSchema);

function toClient(doc: ClientDocument): RegisteredClient {
  return {
    clientId: doc._id,
    tenantId: doc.tenantId,
    name: doc.name,
    roles: doc.roles as RegisteredClient['roles'],
    authMethod: doc.authMethod as RegisteredClient['authMethod'],
    ...(doc.jwks ? { jwks: doc.jwks } : {}),
    secretHashes: doc.secretHashes ?? [],
    disabled: doc.disabled,
    createdAt: doc.createdAt,
    updatedAt: doc.updatedAt,
  };
}

function toDocument(client: RegisteredClient): ClientDocument {
  return {
    _id: client.clientId,
    tenantId: client.tenantId!,
    name: client.name,
    roles: client.roles,
    authMethod: client.authMethod,
    ...(client.jwks ? { jwks: client.jwks } : {}),
    secretHashes: client.secretHashes,
    disabled: client.disabled,
    createdAt: client.createdAt,
    updatedAt: client.updatedAt,
  };
}

/** Tenants' clients, read by id (the token endpoint) and by tenant (the admin API). */
export class ClientRepository {
  constructor(private readonly model: ClientModel) {}

  async get(clientId: string): Promise<RegisteredClient | undefined> {
    const doc = await this.model.findById(clientId).lean<ClientDocument>().exec();
    return doc ? toClient(doc) : undefined;
  }

  async listByTenant(tenantId: string): Promise<RegisteredClient[]> {
    const docs = await this.model.find({ tenantId }).sort({ createdAt: 1, _id: 1 }).lean<ClientDocument[]>().exec();
    return docs.map(toClient);
  }

  async insert(client: RegisteredClient): Promise<void> {
    try {
      await this.model.collection.insertOne(toDocument(client) as never);
    } catch (err) {
      if (isDuplicateKey(err)) throw aborted('a client with this id was just created; try again');
      throw err;
    }
  }

  /** Replaces the client as it was read (`previous`); ABORTED when it changed meanwhile. */
  async replace(previous: RegisteredClient, next: RegisteredClient): Promise<void> {
    const result = await this.model.collection.replaceOne({ _id: previous.clientId, updatedAt: previous.updatedAt } as never, toDocument(next) as never);
    if (result.matchedCount !== 1) throw aborted(`client ${previous.clientId} was changed by another request meanwhile; read it again and retry`);
  }
}
