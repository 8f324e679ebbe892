import type { AzureMediaServices } from '@azure/arm-mediaservices';
import { canonicalAccountId, parseAccountId, type AccountRef } from '../account-id';
import { withCallStats } from '../ams/call-stats';
import { isNotFound, statusOf } from '../ams/errors';
import type { WorkKey } from '../ledger/ledger';
import type { BatchResult, ExportBatchInput } from '../pipeline/contracts';
import type { PipelineDependencies } from '../pipeline/dependencies';
import { secretName } from '../secrets/secret-store';
import { forEachLimited } from '../snapshot/pool';
import type { AssetRecord, LocatorRecord } from '../snapshot/records';
import { snapshotReader } from '../snapshot/snapshot-reader';
import { policyEncrypts } from '../snapshot/streaming-policy';
import { describeError } from '../telemetry/redact';

/** Ledger kinds of the export. */
export const LedgerKinds = {
  contentKeys: 'contentKeys',
  policySecrets: 'policySecrets',
  paths: 'paths',
  storageEncryption: 'storageEncryption',
} as const;

/** Key calls in flight per batch: the pacer sets the rate, this only hides latency. */
const KEY_CONCURRENCY = 4;

export function contentKeySecretName(accountId: string, locator: string, keyId: string): string {
  return secretName(
    'content-key',
    canonicalAccountId(accountId),
    locator.toLowerCase(),
    keyId.toLowerCase(),
  );
}

export function storageKeySecretName(accountId: string, asset: string): string {
  return secretName('storage-encryption', canonicalAccountId(accountId), asset.toLowerCase());
}

export function policySecretName(accountId: string, policy: string): string {
  return secretName('content-key-policy', canonicalAccountId(accountId), policy.toLowerCase());
}

interface Tally {
  done: number;
  failed: number;
  skipped: number;
  alreadyDone: number;
}

/**
 * Exports the secrets of one batch: `listContentKeys` for each encrypted locator of a
 * `streamingLocators` batch, or `getPolicyPropertiesWithSecrets` for each policy of a
 * `contentKeyPolicies` batch. Values go to the secret store; the ledger gets one row per item
 * with the secret names, so a re-run makes no call for a finished item. Calls are paced to the
 * account's key budget by the client, starting from `notBefore` (the previous batch's pace) and
 * handing the pace on in `nextKeyCallAt`; 429s wait for Retry-After; a failed item is recorded and
 * the batch goes on.
 */
export async function exportKeysBatch(
  deps: PipelineDependencies,
  input: ExportBatchInput,
): Promise<BatchResult> {
  await deps.ready();
  const accountId = canonicalAccountId(input.accountId);
  const ref = parseAccountId(accountId);
  const client = deps.ams.forSubscription(ref.subscriptionId);
  const reader = snapshotReader(deps.output, input.batch.snapshotPath);
  const tally: Tally = { done: 0, failed: 0, skipped: 0, alreadyDone: 0 };
  // This process's pacer knows only its own calls: start from the pace the last batch left.
  const pacer = deps.ams.keyPacer(accountId);
  if (input.notBefore) pacer.deferUntil(Date.parse(input.notBefore));

  const { stats } = await withCallStats(async () => {
    const items: Array<{ name: string; record: LocatorRecord }> = [];
    const range = { offset: input.batch.offset, count: input.batch.count };
    if (input.batch.resource === 'contentKeyPolicies') {
      for await (const p of reader.records<{ name: string }>('contentKeyPolicies', range))
        items.push({ name: p.name, record: p });
      await forEachLimited(items, KEY_CONCURRENCY, ({ name }) =>
        exportPolicy(deps, client, ref, accountId, name, tally),
      );
    } else if (input.batch.resource === 'streamingLocators') {
      const { policies } = await reader.small();
      for await (const l of reader.records<LocatorRecord>('streamingLocators', range)) {
        const encrypted =
          policyEncrypts(l.streamingPolicyName, policies) ?? (l.contentKeys?.length ?? 0) > 0;
        if (encrypted) items.push({ name: l.name, record: l });
        else tally.skipped += 1;
      }
      await forEachLimited(items, KEY_CONCURRENCY, ({ record }) =>
        exportLocatorKeys(deps, client, ref, accountId, record, tally),
      );
    } else if (input.batch.resource === 'assets') {
      // v2-era storage-encrypted assets: their files cannot be read without getEncryptionKey.
      const assets: AssetRecord[] = [];
      for await (const a of reader.records<AssetRecord>('assets', range)) {
        if (a.storageEncryptionFormat === 'MediaStorageClientEncryption') assets.push(a);
        else tally.skipped += 1;
      }
      await forEachLimited(assets, KEY_CONCURRENCY, (asset) =>
        exportStorageKey(deps, client, ref, accountId, asset.name, tally),
      );
    } else {
      throw new Error(`exportKeysBatch: no keys in snapshot resource "${input.batch.resource}"`);
    }
  });
  const next = pacer.nextSlotAt;
  return {
    ...tally,
    calls: stats.requests,
    waitedMs: stats.waitedMs,
    ...(next === undefined ? {} : { nextKeyCallAt: new Date(next).toISOString() }),
  };
}

async function alreadyDone(
  deps: PipelineDependencies,
  accountId: string,
  key: WorkKey,
): Promise<boolean> {
  return deps.ledger.isDone(accountId, key);
}

async function exportLocatorKeys(
  deps: PipelineDependencies,
  client: AzureMediaServices,
  ref: AccountRef,
  accountId: string,
  locator: LocatorRecord,
  tally: Tally,
): Promise<void> {
  const key: WorkKey = { kind: LedgerKinds.contentKeys, name: locator.name };
  if (await alreadyDone(deps, accountId, key)) {
    tally.alreadyDone += 1;
    return;
  }
  // Keys already in the store from a run killed before its ledger write: no call needed.
  const knownIds = (locator.contentKeys ?? [])
    .map((k) => k.id)
    .filter((id): id is string => Boolean(id));
  if (knownIds.length) {
    const names = knownIds.map((id) => contentKeySecretName(accountId, locator.name, id));
    const present = await Promise.all(names.map((n) => deps.secrets.has(n)));
    if (present.every(Boolean)) {
      await deps.ledger.complete(accountId, key, {
        keys: knownIds.map((id, i) => ({ id, secret: names[i] })),
        recoveredFromStore: true,
      });
      tally.done += 1;
      return;
    }
  }
  try {
    const answer = await client.streamingLocators.listContentKeys(
      ref.resourceGroup,
      ref.accountName,
      locator.name,
    );
    const keys: Array<Record<string, string | undefined>> = [];
    const missing: string[] = [];
    for (const k of answer.contentKeys ?? []) {
      if (!k.value) {
        missing.push(k.id);
        continue;
      }
      const name = contentKeySecretName(accountId, locator.name, k.id);
      await deps.secrets.put(name, k.value, {
        account: ref.accountName,
        locator: locator.name,
        keyId: k.id,
        type: k.type ?? '',
        policy: k.policyName ?? '',
      });
      keys.push({
        id: k.id,
        type: k.type,
        label: k.labelReferenceInStreamingPolicy,
        policyName: k.policyName,
        secret: name,
      });
    }
    if (missing.length) {
      await deps.ledger.fail(
        accountId,
        key,
        `the service returned no value for key(s) ${missing.join(', ')}`,
      );
      tally.failed += 1;
      return;
    }
    await deps.ledger.complete(accountId, key, {
      keys,
      streamingLocatorId: locator.streamingLocatorId,
    });
    tally.done += 1;
  } catch (error) {
    await recordFailure(deps, accountId, key, error, tally, 'locator');
  }
}

async function exportPolicy(
  deps: PipelineDependencies,
  client: AzureMediaServices,
  ref: AccountRef,
  accountId: string,
  policy: string,
  tally: Tally,
): Promise<void> {
  const key: WorkKey = { kind: LedgerKinds.policySecrets, name: policy };
  if (await alreadyDone(deps, accountId, key)) {
    tally.alreadyDone += 1;
    return;
  }
  try {
    let body: string | undefined;
    const properties = await client.contentKeyPolicies.getPolicyPropertiesWithSecrets(
      ref.resourceGroup,
      ref.accountName,
      policy,
      { onResponse: (raw) => (body = raw.bodyAsText ?? undefined) },
    );
    // The service's own JSON keeps key bytes as base64, exactly as a target re-creates them.
    const text = body ?? JSON.stringify(properties);
    const name = policySecretName(accountId, policy);
    await deps.secrets.put(name, text, { account: ref.accountName, policy });
    await deps.ledger.complete(accountId, key, {
      secret: name,
      options: properties.options?.length ?? 0,
      policyId: properties.policyId,
    });
    tally.done += 1;
  } catch (error) {
    await recordFailure(deps, accountId, key, error, tally, 'policy');
  }
}

async function exportStorageKey(
  deps: PipelineDependencies,
  client: AzureMediaServices,
  ref: AccountRef,
  accountId: string,
  asset: string,
  tally: Tally,
): Promise<void> {
  const key: WorkKey = { kind: LedgerKinds.storageEncryption, name: asset };
  if (await alreadyDone(deps, accountId, key)) {
    tally.alreadyDone += 1;
    return;
  }
  try {
    let body: string | undefined;
    const answer = await client.assets.getEncryptionKey(ref.resourceGroup, ref.accountName, asset, {
      onResponse: (raw) => (body = raw.bodyAsText ?? undefined),
    });
    const name = storageKeySecretName(accountId, asset);
    await deps.secrets.put(name, body ?? JSON.stringify(answer), {
      account: ref.accountName,
      asset,
    });
    await deps.ledger.complete(accountId, key, {
      secret: name,
      files: answer.assetFileEncryptionMetadata?.length ?? 0,
    });
    tally.done += 1;
  } catch (error) {
    await recordFailure(deps, accountId, key, error, tally, 'asset');
  }
}

/** A resource deleted since the snapshot is skipped with the reason; anything else fails. */
async function recordFailure(
  deps: PipelineDependencies,
  accountId: string,
  key: WorkKey,
  error: unknown,
  tally: Tally,
  what: string,
): Promise<void> {
  if (isNotFound(error)) {
    await deps.ledger.skip(accountId, key, `the ${what} no longer exists (404)`);
    tally.skipped += 1;
    return;
  }
  await deps.ledger.fail(accountId, key, error);
  deps.log(
    `export ${key.kind} ${key.name} failed: HTTP ${statusOf(error) ?? '-'} ${describeError(error, 300)}`,
  );
  tally.failed += 1;
}
