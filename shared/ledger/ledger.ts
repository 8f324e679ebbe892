import { odata, type TableClient, type TableTransaction } from '@azure/data-tables';
import { ensureTable, statusOf } from '../storage/table-util';
import { parseAccountId } from '../account-id';
import { describeError } from '../telemetry/redact';

/**
 * The ledger: what has been done, per account and per work item (an asset for a target, a
 * locator's keys, a policy's secrets...), with attempts and the last error. A re-run skips what is
 * done, a failure is never silent, and progress can be read without replaying orchestration
 * history. One table partition per account; one row per work item.
 */

export type WorkStatus = 'pending' | 'running' | 'done' | 'failed' | 'skipped';

/** Identifies one unit of work of an account. `target` is the migration target, or `-` for none. */
export interface WorkKey {
  kind: string;
  name: string;
  target?: string;
}

export interface WorkItem extends WorkKey {
  status: WorkStatus;
  attempts: number;
  /** Redacted, one line. */
  lastError?: string;
  updatedAt: string;
  /** Small JSON-able facts about the result (new URL, output path, secret name...). */
  details?: Record<string, unknown>;
}

/** Free-form account state: phase, deadlines, counts. Values must be table-storable scalars. */
export type AccountRecord = Record<string, string | number | boolean | undefined>;

export type StatusCounts = Record<WorkStatus, number>;

const ACCOUNT_ROW = 'account';
const NO_TARGET = '-';
const MAX_BATCH = 100; // Table storage transaction limit.

/** Partition key of an account: its lower-cased ARM id with the path separators made table-safe. */
export function accountPartition(accountArmId: string): string {
  const { subscriptionId, resourceGroup, accountName } = parseAccountId(accountArmId);
  return [subscriptionId, resourceGroup, accountName].join('~').toLowerCase();
}

function rowKeyPrefix(kind: string, target?: string): string {
  return `${kind}|${target ?? NO_TARGET}|`;
}

/** Row keys sort by kind and target, so one range query lists a kind for a target. */
export function rowKey(key: WorkKey): string {
  // encodeURIComponent removes '/', '\\', '#' and '?', which row keys must not contain.
  return rowKeyPrefix(key.kind, key.target) + encodeURIComponent(key.name);
}

interface WorkEntity extends Record<string, unknown> {
  partitionKey: string;
  rowKey: string;
  kind: string;
  name: string;
  target: string;
  status: WorkStatus;
  attempts: number;
  lastError?: string;
  updatedAt: string;
  details?: string;
}

function toItem(entity: WorkEntity): WorkItem {
  return {
    kind: entity.kind,
    name: entity.name,
    target: entity.target === NO_TARGET ? undefined : entity.target,
    status: entity.status,
    attempts: entity.attempts ?? 0,
    lastError: entity.lastError || undefined,
    updatedAt: entity.updatedAt,
    details: entity.details ? (JSON.parse(entity.details) as Record<string, unknown>) : undefined,
  };
}

export class Ledger {
  constructor(
    private readonly table: TableClient,
    private readonly now: () => number = Date.now,
  ) {}

  /** Creates the table if it does not exist. */
  ensure(): Promise<void> {
    return ensureTable(this.table);
  }

  async getAccount(accountId: string): Promise<AccountRecord | undefined> {
    try {
      const entity = await this.table.getEntity<AccountRecord>(
        accountPartition(accountId),
        ACCOUNT_ROW,
      );
      const { partitionKey: _p, rowKey: _r, etag: _e, timestamp: _t, ...record } = entity;
      return record as AccountRecord;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  /** Merges `patch` into the account's row (creating it), stamping `updatedAt`. */
  async updateAccount(accountId: string, patch: AccountRecord): Promise<void> {
    const defined = Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined));
    await this.table.upsertEntity(
      {
        partitionKey: accountPartition(accountId),
        rowKey: ACCOUNT_ROW,
        accountId,
        ...defined,
        updatedAt: new Date(this.now()).toISOString(),
      },
      'Merge',
    );
  }

  async get(accountId: string, key: WorkKey): Promise<WorkItem | undefined> {
    try {
      return toItem(
        await this.table.getEntity<WorkEntity>(accountPartition(accountId), rowKey(key)),
      );
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async isDone(accountId: string, key: WorkKey): Promise<boolean> {
    const status = (await this.get(accountId, key))?.status;
    return status === 'done' || status === 'skipped';
  }

  /** Marks an item running and counts the attempt. */
  async start(accountId: string, key: WorkKey): Promise<WorkItem> {
    const previous = await this.get(accountId, key);
    const item: WorkItem = {
      ...key,
      status: 'running',
      attempts: (previous?.attempts ?? 0) + 1,
      lastError: previous?.lastError,
      details: previous?.details,
      updatedAt: new Date(this.now()).toISOString(),
    };
    await this.write(accountId, item);
    return item;
  }

  async complete(
    accountId: string,
    key: WorkKey,
    details?: Record<string, unknown>,
  ): Promise<void> {
    await this.settle(accountId, key, 'done', { details });
  }

  async fail(accountId: string, key: WorkKey, error: unknown): Promise<void> {
    await this.settle(accountId, key, 'failed', { lastError: describeError(error) });
  }

  async skip(accountId: string, key: WorkKey, reason: string): Promise<void> {
    await this.settle(accountId, key, 'skipped', { lastError: reason, details: { reason } });
  }

  /**
   * Registers many items as pending in table transactions of 100, leaving any that exist as they
   * are: discovery of a 200,000-asset account costs 2,000 round trips, not 200,000.
   */
  async addPending(accountId: string, keys: Iterable<WorkKey>): Promise<void> {
    const partitionKey = accountPartition(accountId);
    let batch: WorkKey[] = [];
    const flush = async () => {
      if (!batch.length) return;
      const existing = await this.existingRows(partitionKey, batch);
      const actions: TableTransaction['actions'] = batch
        .filter((k) => !existing.has(rowKey(k)))
        .map((k) => [
          'create',
          this.entity(partitionKey, {
            ...k,
            status: 'pending',
            attempts: 0,
            updatedAt: new Date(this.now()).toISOString(),
          }),
        ]);
      if (actions.length) await this.table.submitTransaction(actions);
      batch = [];
    };
    const seen = new Set<string>();
    for (const key of keys) {
      const row = rowKey(key);
      if (seen.has(row)) continue;
      seen.add(row);
      batch.push(key);
      if (batch.length === MAX_BATCH) {
        await flush();
        seen.clear();
      }
    }
    await flush();
  }

  /** Items of one kind (and target), in row-key order, optionally of some statuses; paged. */
  async *list(
    accountId: string,
    kind: string,
    options: { target?: string; status?: WorkStatus[] } = {},
  ): AsyncIterable<WorkItem> {
    const prefix = rowKeyPrefix(kind, options.target);
    let filter = odata`PartitionKey eq ${accountPartition(accountId)} and RowKey ge ${prefix} and RowKey lt ${prefix.slice(0, -1) + '}'}`;
    if (options.status?.length) {
      filter += ` and (${options.status.map((s) => odata`status eq ${s}`).join(' or ')})`;
    }
    for await (const entity of this.table.listEntities<WorkEntity>({ queryOptions: { filter } })) {
      yield toItem(entity);
    }
  }

  async counts(accountId: string, kind: string, target?: string): Promise<StatusCounts> {
    const counts: StatusCounts = { pending: 0, running: 0, done: 0, failed: 0, skipped: 0 };
    const prefix = rowKeyPrefix(kind, target);
    const filter = odata`PartitionKey eq ${accountPartition(accountId)} and RowKey ge ${prefix} and RowKey lt ${prefix.slice(0, -1) + '}'}`;
    const entities = this.table.listEntities<Pick<WorkEntity, 'status'>>({
      queryOptions: { filter, select: ['status'] },
    });
    for await (const entity of entities) counts[entity.status] += 1;
    return counts;
  }

  private async settle(
    accountId: string,
    key: WorkKey,
    status: WorkStatus,
    extra: { lastError?: string; details?: Record<string, unknown> },
  ): Promise<void> {
    const previous = await this.get(accountId, key);
    await this.write(accountId, {
      ...key,
      status,
      attempts: Math.max(previous?.attempts ?? 0, 1),
      lastError: status === 'done' ? undefined : extra.lastError,
      details: extra.details ?? previous?.details,
      updatedAt: new Date(this.now()).toISOString(),
    });
  }

  private async write(accountId: string, item: WorkItem): Promise<void> {
    await this.table.upsertEntity(this.entity(accountPartition(accountId), item), 'Replace');
  }

  private entity(partitionKey: string, item: WorkItem): WorkEntity {
    return {
      partitionKey,
      rowKey: rowKey(item),
      kind: item.kind,
      name: item.name,
      target: item.target ?? NO_TARGET,
      status: item.status,
      attempts: item.attempts,
      lastError: item.lastError ?? '',
      updatedAt: item.updatedAt,
      details: item.details ? JSON.stringify(item.details) : '',
    };
  }

  private async existingRows(partitionKey: string, keys: WorkKey[]): Promise<Set<string>> {
    const rows = keys.map(rowKey).sort();
    const first = rows[0];
    const last = rows[rows.length - 1];
    const found = new Set<string>();
    if (first === undefined || last === undefined) return found;
    const filter = odata`PartitionKey eq ${partitionKey} and RowKey ge ${first} and RowKey le ${last}`;
    const wanted = new Set(rows);
    const entities = this.table.listEntities<{ rowKey: string }>({
      queryOptions: { filter, select: ['RowKey'] },
    });
    for await (const entity of entities) if (wanted.has(entity.rowKey)) found.add(entity.rowKey);
    return found;
  }
}
