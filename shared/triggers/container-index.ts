import { odata, type TableClient } from '@azure/data-tables';
import { canonicalAccountId } from '../account-id';
import { ensureTable, statusOf } from './table-util';

/**
 * Which Media Services account a storage container belongs to, for blob events: an event names a
 * storage account and a container, and must reach the orchestration of the account whose asset
 * lives there. Two kinds of rows in one table:
 * - storage account -> media account (from discovery: an account's `storageAccounts`), which
 *   places every `asset-*` container of that storage account;
 * - storage account + container -> media account (from the snapshot: containers an asset points
 *   to that do not follow the `asset-` naming).
 */
const STORAGE_PARTITION = 'storage';
const CONTAINER_PARTITION = 'container';
const ASSET_CONTAINER = /^asset-/i;

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
  constructor(private readonly table: TableClient) {}

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

  async recordContainers(
    accountId: string,
    storageAccount: string,
    containers: string[],
  ): Promise<void> {
    await ensureTable(this.table);
    const owner = canonicalAccountId(accountId);
    for (const container of new Set(containers.map((c) => c.toLowerCase()))) {
      await this.table.upsertEntity<IndexEntity>(
        {
          partitionKey: CONTAINER_PARTITION,
          rowKey: containerKey(storageAccount, container),
          accountId: owner,
        },
        'Replace',
      );
    }
  }

  /** The account that owns a container, or undefined when the container is not an asset's. */
  async resolve(storageAccount: string, container: string): Promise<ContainerOwner | undefined> {
    await ensureTable(this.table);
    const explicit = await this.read(CONTAINER_PARTITION, containerKey(storageAccount, container));
    if (explicit) return { accountId: explicit, via: 'container' };
    if (!ASSET_CONTAINER.test(container)) return undefined;
    const owner = await this.read(STORAGE_PARTITION, storageAccount.toLowerCase());
    return owner ? { accountId: owner, via: 'asset-prefix' } : undefined;
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

  private async read(partition: string, row: string): Promise<string | undefined> {
    try {
      return (await this.table.getEntity<IndexEntity>(partition, row)).accountId;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }
}

function containerKey(storageAccount: string, container: string): string {
  return `${storageAccount.toLowerCase()}|${container.toLowerCase()}`;
}
