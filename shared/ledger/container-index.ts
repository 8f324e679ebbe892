import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { canonicalAccountId } from '../account-id';
import { ensureTable, statusOf } from '../storage/table-util';

/**
 * Which Media Services account a storage container belongs to, for blob events: an event names a
 * storage account and a container, and must reach the orchestration of the account whose asset
 * lives there. Two kinds of rows in one table:
 * - storage account -> media account (from discovery: an account's `storageAccounts`), which
 *   places every `asset-*` container of that storage account;
 * - storage account + container -> media account (from the snapshot: containers an asset points
 *   to that do not follow the `asset-` naming).
 */
/** The table's default name. */
export const CONTAINER_INDEX_TABLE = 'lifeboatcontainers';

const STORAGE_PARTITION = 'storage';
const CONTAINER_PARTITION = 'container';
const UNKNOWN_PARTITION = 'unknown-storage';
const ASSET_CONTAINER = /^asset-/i;
/** The most rows one Table transaction may hold. */
const TRANSACTION_ROWS = 100;

interface IndexEntity {
  partitionKey: string;
  rowKey: string;
  accountId: string;
}

export interface ContainerOwner {
  accountId: string;
  /** How it was found: an explicit container row, or the `asset-*` convention. */
  via: 'container' | 'asset-prefix';
}

export class ContainerIndex {
  constructor(
    private readonly table: TableClient,
    /**
     * The ledger table: the pipeline's discovery records each account's storage accounts on its
     * row, so an account started from the portal (not yet seen by a sweep) is found there, and
     * remembered here.
     */
    private readonly ledgerTable?: TableClient,
    private readonly now: () => number = Date.now,
    /** How long a storage account the ledger does not know is not looked up again. */
    private readonly unknownTtlMs = 10 * 60_000,
  ) {}

  async recordStorageAccounts(accountId: string, storageAccounts: string[]): Promise<void> {
    await ensureTable(this.table);
    const owner = canonicalAccountId(accountId);
    for (const name of new Set(storageAccounts.map((s) => s.toLowerCase()))) {
      await this.table.upsertEntity<IndexEntity>(
        { partitionKey: STORAGE_PARTITION, rowKey: name, accountId: owner },
        'Replace',
      );
    }
  }

  /**
   * Records containers of the account's assets that the `asset-*` convention does not place (the
   * snapshot passes every asset's container), in transactions of 100 rows. Convention-named ones
   * are left to the storage-account row: one row per asset would cost a write per asset.
   */
  async recordContainers(
    accountId: string,
    storageAccount: string,
    containers: Iterable<string>,
  ): Promise<void> {
    await ensureTable(this.table);
    const owner = canonicalAccountId(accountId);
    const unusual = [...containers].filter((c) => !ASSET_CONTAINER.test(c));
    const keys = [...new Set(unusual.map((c) => containerKey(storageAccount, c)))];
    for (let i = 0; i < keys.length; i += TRANSACTION_ROWS) {
      const actions: TransactionAction[] = keys
        .slice(i, i + TRANSACTION_ROWS)
        .map((rowKey) => [
          'upsert',
          { partitionKey: CONTAINER_PARTITION, rowKey, accountId: owner },
          'Replace',
        ]);
      await this.table.submitTransaction(actions);
    }
  }

  /** The account that owns a container, or undefined when the container is not an asset's. */
  async resolve(storageAccount: string, container: string): Promise<ContainerOwner | undefined> {
    await ensureTable(this.table);
    const explicit = await this.read(CONTAINER_PARTITION, containerKey(storageAccount, container));
    if (explicit) return { accountId: explicit, via: 'container' };
    if (!ASSET_CONTAINER.test(container)) return undefined;
    const name = storageAccount.toLowerCase();
    let owner = await this.read(STORAGE_PARTITION, name);
    if (!owner) {
      owner = await this.fromLedger(name);
      if (owner) await this.recordStorageAccounts(owner, [name]);
    }
    return owner ? { accountId: owner, via: 'asset-prefix' } : undefined;
  }

  /**
   * Scans the ledger's account rows (one per account, across partitions) for the storage account.
   * A miss is remembered for a while, so a burst of events from a storage account no migration
   * knows costs one scan, not one per event.
   */
  private async fromLedger(storageAccount: string): Promise<string | undefined> {
    if (!this.ledgerTable) return undefined;
    const checkedAt = Number(await this.read(UNKNOWN_PARTITION, storageAccount, 'checkedAt'));
    if (Number.isFinite(checkedAt) && this.now() - checkedAt < this.unknownTtlMs) return undefined;
    const found = await this.scanLedger(storageAccount);
    if (!found)
      await this.table.upsertEntity(
        { partitionKey: UNKNOWN_PARTITION, rowKey: storageAccount, checkedAt: this.now() },
        'Replace',
      );
    return found;
  }

  private async scanLedger(storageAccount: string): Promise<string | undefined> {
    if (!this.ledgerTable) return undefined;
    const rows = this.ledgerTable.listEntities<{ accountId?: string; storageAccounts?: string }>({
      queryOptions: {
        filter: odata`RowKey eq 'account'`,
        select: ['accountId', 'storageAccounts'],
      },
    });
    try {
      for await (const row of rows) {
        const names = (row.storageAccounts ?? '').toLowerCase().split(',');
        if (row.accountId && names.includes(storageAccount))
          return canonicalAccountId(row.accountId);
      }
    } catch (error) {
      if (statusOf(error) !== 404) throw error;
    }
    return undefined;
  }

  /** Every storage account recorded for an account (for reports and tests). */
  async storageAccountsOf(accountId: string): Promise<string[]> {
    await ensureTable(this.table);
    const owner = canonicalAccountId(accountId);
    const names: string[] = [];
    const rows = this.table.listEntities<IndexEntity>({
      queryOptions: {
        filter: odata`PartitionKey eq ${STORAGE_PARTITION} and accountId eq ${owner}`,
      },
    });
    for await (const row of rows) names.push(row.rowKey);
    return names;
  }

  private async read(
    partition: string,
    row: string,
    field: 'accountId' | 'checkedAt' = 'accountId',
  ): Promise<string | undefined> {
    try {
      const entity = await this.table.getEntity<Record<string, unknown>>(partition, row);
      const value = entity[field];
      return value === undefined ? undefined : String(value);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }
}

function containerKey(storageAccount: string, container: string): string {
  return `${storageAccount.toLowerCase()}|${container.toLowerCase()}`;
}
