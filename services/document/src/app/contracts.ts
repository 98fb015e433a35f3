import { randomUUID } from 'node:crypto';
import { aborted, failedPrecondition, invalidArgument, notFound } from '@jitsuin/errors';
import {
  checkDraft,
  decide,
  type Contract,
  type ContractAction,
  type ContractDraft,
  type ContractState,
} from '../domain/contract.js';
import { contractChanged, contractCreated } from '../events/payloads.js';
import { outboxEntries } from '@jitsuin/store';
import type { ContractRepository } from '../store/contracts.js';
import type { DocumentRepository } from '../store/documents.js';

const MAX_PAGE = 200;
const DEFAULT_PAGE = 50;
/** Attempts at a change when other writers keep changing the same contract meanwhile. */
const CHANGE_ATTEMPTS = 5;

interface PageCursor {
  createdAt: number;
  id: string;
}

function encodeCursor(cursor: PageCursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

function decodeCursor(token: string): PageCursor {
  try {
    const value = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<PageCursor>;
    if (typeof value.createdAt === 'number' && typeof value.id === 'string') {
      return { createdAt: value.createdAt, id: value.id };
    }
  } catch {
    // fall through to the error below
  }
  throw invalidArgument('the page token is not one this service gave out');
}

/** Contracts as the lifecycle allows them to change; every change is stored with its events. */
export class Contracts {
  constructor(
    private readonly contracts: ContractRepository,
    private readonly documents: DocumentRepository,
    /** Called with the id of a record whose change and events were just written. */
    private readonly changed: (id: string) => void = () => {},
    private readonly now: () => Date = () => new Date(),
  ) {}

  async create(input: ContractDraft): Promise<Contract> {
    const now = this.now();
    const draft = checkDraft(input, now);
    const ids = draft.documents.map((d) => d.documentId);
    const found = await this.documents.findMany(draft.tenantId, ids);
    for (const id of ids) {
      const document = found.find((d) => d.id === id);
      if (!document) throw notFound(`document ${id} not found`);
      if (document.contractId) {
        throw failedPrecondition(`document ${id} belongs to contract ${document.contractId} already`);
      }
    }

    const contract: Contract = { ...draft, id: randomUUID(), state: 'DRAFT', createdAt: now, updatedAt: now, openSteps: 0, verified: [], version: 1 };
    // Documents first: a contract never exists without its documents, and two contracts
    // racing for one document cannot both take it.
    if (!(await this.documents.attach(draft.tenantId, ids, contract.id))) {
      throw failedPrecondition('another contract took one of these documents meanwhile');
    }
    try {
      await this.contracts.insert(contract, outboxEntries(contract.tenantId, contract.id, contractCreated(contract)));
    } catch (err) {
      await this.documents.detach(ids, contract.id).catch(() => undefined);
      throw err;
    }
    this.changed(contract.id);
    return contract;
  }

  async get(tenantId: string, id: string): Promise<Contract> {
    const contract = await this.contracts.find(tenantId, id);
    if (!contract) throw notFound(`contract ${id} not found`);
    return contract;
  }

  async list(
    tenantId: string,
    options: { pageSize: number; pageToken: string; state?: ContractState },
  ): Promise<{ contracts: Contract[]; nextPageToken: string }> {
    if (options.pageSize < 0 || options.pageSize > MAX_PAGE) {
      throw invalidArgument(`page size must be between 1 and ${MAX_PAGE}`);
    }
    const after = options.pageToken ? decodeCursor(options.pageToken) : undefined;
    const page = await this.contracts.list(tenantId, {
      limit: options.pageSize || DEFAULT_PAGE,
      state: options.state,
      after: after && { createdAt: new Date(after.createdAt), id: after.id },
    });
    return {
      contracts: page.contracts,
      nextPageToken: page.last ? encodeCursor({ createdAt: page.last.createdAt.getTime(), id: page.last.id }) : '',
    };
  }

  /** Reads, decides and writes; when another writer got there first, decides again. */
  async act(tenantId: string, id: string, action: ContractAction): Promise<Contract> {
    for (let attempt = 0; attempt < CHANGE_ATTEMPTS; attempt++) {
      const contract = await this.get(tenantId, id);
      const now = this.now();
      const change = decide(contract, action, now);
      const events = outboxEntries(tenantId, id, contractChanged(contract, change));
      const fields = { ...change, updatedAt: now };
      if (await this.contracts.update(contract, fields, events)) {
        this.changed(id);
        return { ...contract, ...fields, version: contract.version + 1 };
      }
    }
    throw aborted(`contract ${id} kept changing while this change was being made; try again`);
  }
}
