import { odata, type TableClient } from '@azure/data-tables';
import type { AzureMediaServices } from '@azure/arm-mediaservices';
import { canonicalAccountId, parseAccountId } from '../account-id';
import type { DiscoveredAccount, ListAccounts } from './sweep';

/**
 * Account discovery for the sweep, from Resource Manager and the ledger: the accounts Resource
 * Manager lists are live; accounts the ledger recorded before but Resource Manager no longer
 * lists are deleted (their media is still in storage). The pipeline's own discovery
 * (shared/discovery/) can replace this once it offers the same `ListAccounts` shape.
 */
export function armAccountDiscovery(options: {
  mediaClient: (subscriptionId: string) => AzureMediaServices;
  ledgerTable: TableClient;
}): ListAccounts {
  return async (subscriptionId, resourceGroups) => {
    const groups = new Set(resourceGroups.map((g) => g.toLowerCase()));
    const inScope = (group: string) => groups.size === 0 || groups.has(group.toLowerCase());
    const client = options.mediaClient(subscriptionId);
    const live = new Map<string, DiscoveredAccount>();
    for await (const account of client.mediaservices.listBySubscription()) {
      if (!account.id) continue;
      const accountId = canonicalAccountId(account.id);
      if (!inScope(parseAccountId(accountId).resourceGroup)) continue;
      live.set(accountId, {
        accountId,
        deleted: false,
        storageAccounts: (account.storageAccounts ?? [])
          .map((s) => s.id?.split('/').pop())
          .filter((s): s is string => Boolean(s)),
      });
    }
    for (const accountId of await knownAccounts(options.ledgerTable, subscriptionId)) {
      if (!live.has(accountId) && inScope(parseAccountId(accountId).resourceGroup))
        live.set(accountId, { accountId, deleted: true });
    }
    return [...live.values()];
  };
}

/** Accounts of a subscription the ledger has an account row for. */
async function knownAccounts(ledgerTable: TableClient, subscriptionId: string): Promise<string[]> {
  const prefix = `${subscriptionId.toLowerCase()}~`;
  const rows = ledgerTable.listEntities<{ accountId?: string }>({
    queryOptions: {
      filter: odata`PartitionKey ge ${prefix} and PartitionKey lt ${`${prefix.slice(0, -1)}\u007f`} and RowKey eq 'account'`,
      select: ['accountId'],
    },
  });
  const ids: string[] = [];
  try {
    for await (const row of rows) {
      if (typeof row.accountId === 'string') ids.push(canonicalAccountId(row.accountId));
    }
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return [];
    throw error;
  }
  return ids;
}

/** Whether Resource Manager knows the account (false on 404). */
export function armAccountExists(
  mediaClient: (subscriptionId: string) => AzureMediaServices,
): (accountId: string) => Promise<boolean | undefined> {
  return async (accountId) => {
    const { subscriptionId, resourceGroup, accountName } = parseAccountId(accountId);
    try {
      await mediaClient(subscriptionId).mediaservices.get(resourceGroup, accountName);
      return true;
    } catch (error) {
      const status = (error as { statusCode?: number }).statusCode;
      if (status === 404) return false;
      // Throttled or unreachable: let the orchestration find out rather than refusing the call.
      return undefined;
    }
  };
}
