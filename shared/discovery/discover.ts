import type { AzureMediaServices } from '@azure/arm-mediaservices';
import type { PagedAsyncIterableIterator } from '@azure/core-paging';
import { canonicalAccountId, parseAccountId, type AccountRef } from '../account-id';
import { readAccount } from '../ams/account';
import type { AccountState, ResourceCounts } from '../pipeline/contracts';
import type { PipelineDependencies } from '../pipeline/dependencies';
import { storageAccountName } from '../snapshot/records';
import { policyEncrypts, sectionsOf, type PolicySection } from '../snapshot/streaming-policy';

/**
 * Discovery: an account as the service shows it now — its retirement date (from the
 * `ams-retirement-date` header), read-only or deleted, its storage accounts, and optionally its
 * resource counts — recorded on the ledger's account row.
 */
export async function discoverAccount(
  deps: PipelineDependencies,
  input: { accountId: string; countResources?: boolean },
): Promise<AccountState> {
  await deps.ready();
  const accountId = canonicalAccountId(input.accountId);
  const ref = parseAccountId(accountId);
  const client = deps.ams.forSubscription(ref.subscriptionId);
  const now = deps.clock.now();
  const observedAt = new Date(now).toISOString();
  const reading = await readAccount(client, ref);
  const previous = await deps.ledger.getAccount(accountId);
  if (!reading.exists) {
    const state: AccountState = {
      accountId,
      exists: false,
      readOnly: false,
      storageAccounts: [],
      observedAt,
    };
    await deps.ledger.updateAccount(accountId, { exists: false, deletedObservedAt: observedAt });
    return state;
  }
  const retirementDate = reading.retirementDate;
  const readOnly = retirementDate !== undefined && Date.parse(retirementDate) <= now;
  const storageAccounts = (reading.account?.storageAccounts ?? [])
    .map((s) => storageAccountName(s.id))
    .filter((s): s is string => Boolean(s));
  const state: AccountState = {
    accountId,
    exists: true,
    retirementDate,
    readOnly,
    extensionGranted: previous?.extensionGranted === true ? true : undefined,
    storageAccounts,
    counts: input.countResources ? await countResources(client, ref) : undefined,
    observedAt,
  };
  await deps.ledger.updateAccount(accountId, {
    exists: true,
    retirementDate,
    readOnly,
    storageAccounts: storageAccounts.join(','),
    observedAt,
    ...(state.counts ? { counts: JSON.stringify(state.counts) } : {}),
  });
  // Blob events in this account's asset-* containers are routed by storage account.
  await deps.containers.recordStorageAccounts(accountId, storageAccounts);
  return state;
}

/** The accounts of a subscription (optionally some resource groups), each discovered. */
export async function discoverSubscription(
  deps: PipelineDependencies,
  input: { subscriptionId: string; resourceGroups?: string[]; countResources?: boolean },
): Promise<AccountState[]> {
  const client = deps.ams.forSubscription(input.subscriptionId);
  const groups = new Set((input.resourceGroups ?? []).map((g) => g.toLowerCase()));
  const ids: string[] = [];
  for await (const account of client.mediaservices.listBySubscription()) {
    if (!account.id) continue;
    const ref = parseAccountId(account.id);
    if (groups.size && !groups.has(ref.resourceGroup.toLowerCase())) continue;
    ids.push(account.id);
  }
  const out: AccountState[] = [];
  for (const id of ids)
    out.push(await discoverAccount(deps, { accountId: id, countResources: input.countResources }));
  return out;
}

async function count<T>(
  pages: PagedAsyncIterableIterator<T>,
  each?: (item: T) => void,
): Promise<number> {
  let n = 0;
  for await (const page of pages.byPage()) {
    for (const item of page) each?.(item);
    n += page.length;
  }
  return n;
}

/** Counts by paging the lists (one GET per page; no per-asset calls: asset filters are not counted). */
export async function countResources(
  client: AzureMediaServices,
  ref: AccountRef,
): Promise<ResourceCounts> {
  const rg = ref.resourceGroup;
  const name = ref.accountName;
  const policies = new Map<string, PolicySection[]>();
  const streamingPolicies = await count(client.streamingPolicies.list(rg, name), (p) => {
    if (p.name) policies.set(p.name.toLowerCase(), sectionsOf(p));
  });
  let encryptedLocators = 0;
  const streamingLocators = await count(client.streamingLocators.list(rg, name), (l) => {
    if (policyEncrypts(l.streamingPolicyName, policies) ?? (l.contentKeys?.length ?? 0) > 0)
      encryptedLocators += 1;
  });
  let jobs = 0;
  const transformNames: string[] = [];
  const transforms = await count(
    client.transforms.list(rg, name),
    (t) => t.name && transformNames.push(t.name),
  );
  for (const t of transformNames) jobs += await count(client.jobs.list(rg, name, t));
  return {
    assets: await count(client.assets.list(rg, name)),
    streamingLocators,
    encryptedLocators,
    contentKeyPolicies: await count(client.contentKeyPolicies.list(rg, name)),
    streamingPolicies,
    assetFilters: 0,
    accountFilters: await count(client.accountFilters.list(rg, name)),
    streamingEndpoints: await count(client.streamingEndpoints.list(rg, name)),
    liveEvents: await count(client.liveEvents.list(rg, name)),
    transforms,
    jobs,
  };
}
