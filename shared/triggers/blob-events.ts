import type { Ledger } from '../ledger/ledger';
import { EventNames, type MigrationRequest } from '../pipeline/contracts';
import { accountInstanceId, storageOnlyInstanceId } from '../pipeline/instance-id';
import type { ContainerIndex } from '../ledger/container-index';
import type { BlobEventDebouncer } from './debounce';
import { findInstance, isActive, type MigrationClient } from '../pipeline/durable-client';
import type { MigrationService, StorageOnlyMigrationRequest } from './migrations';
import { summarySource, readSummary } from './summary-view';

/**
 * Blob-created events from the customer's media storage accounts (Event Grid). A new blob in an
 * asset container raises assets-added on its account's orchestration, once per burst; when the
 * account is already deleted, the container is migrated from storage alone.
 */

export const REQUESTS_CONTAINER = 'migration-requests';

/** The fields of an Event Grid event the routing reads (Event Grid schema). */
export interface BlobEventInput {
  id: string;
  eventType: string;
  subject: string;
  topic?: string;
  eventTime?: string;
  data?: Record<string, unknown>;
}

export interface BlobCreated {
  eventId: string;
  storageAccount: string;
  container: string;
  blob: string;
  eventTime?: number;
}

const SUBJECT = /^\/blobServices\/default\/containers\/([^/]+)\/blobs\/(.+)$/;
const STORAGE_TOPIC = /\/providers\/Microsoft\.Storage\/storageAccounts\/([^/]+)$/i;

/** Parses a BlobCreated event; undefined (with the reason) for anything else. */
export function parseBlobCreated(event: BlobEventInput): BlobCreated | { ignored: string } {
  if (event.eventType !== 'Microsoft.Storage.BlobCreated')
    return { ignored: `event type ${event.eventType}` };
  const subject = SUBJECT.exec(event.subject ?? '');
  if (!subject) return { ignored: `subject ${event.subject} names no blob` };
  const storageAccount = storageAccountOf(event);
  if (!storageAccount) return { ignored: 'the event names no storage account' };
  const time = event.eventTime ? Date.parse(event.eventTime) : NaN;
  return {
    eventId: event.id,
    storageAccount,
    container: decodeURIComponent(subject[1] ?? '').toLowerCase(),
    blob: decodeURIComponent(subject[2] ?? ''),
    eventTime: Number.isFinite(time) ? time : undefined,
  };
}

function storageAccountOf(event: BlobEventInput): string | undefined {
  const fromTopic = STORAGE_TOPIC.exec(event.topic ?? '')?.[1];
  if (fromTopic) return fromTopic.toLowerCase();
  const url = typeof event.data?.url === 'string' ? event.data.url : undefined;
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    // Azure: {account}.blob.core.windows.net; emulator: host:port/{account}/...
    const azure = /^([a-z0-9]+)\.blob\./i.exec(parsed.hostname)?.[1];
    return (azure ?? parsed.pathname.split('/')[1])?.toLowerCase() || undefined;
  } catch {
    return undefined;
  }
}

export type AssetEventOutcome =
  | { action: 'ignored'; reason: string }
  | { action: 'unknown-container'; storageAccount: string; container: string }
  | { action: 'absorbed'; instanceId: string }
  | { action: 'assets-added'; instanceId: string }
  | { action: 'not-running'; instanceId: string; runtimeStatus?: string }
  | { action: 'storage-only'; instanceId: string; outcome: string };

export interface BlobEventDeps {
  client: MigrationClient;
  service: MigrationService;
  index: ContainerIndex;
  debouncer: BlobEventDebouncer;
  ledger: Ledger;
  /** Targets for a storage-only run when the account's last run does not say. */
  defaultTargets: MigrationRequest['targets'];
}

export async function handleAssetBlobEvent(
  deps: BlobEventDeps,
  event: BlobEventInput,
): Promise<AssetEventOutcome> {
  const parsed = parseBlobCreated(event);
  if ('ignored' in parsed) return { action: 'ignored', reason: parsed.ignored };
  if (parsed.container === REQUESTS_CONTAINER)
    return { action: 'ignored', reason: 'request files have their own trigger' };
  const owner = await deps.index.resolve(parsed.storageAccount, parsed.container);
  if (!owner)
    return {
      action: 'unknown-container',
      storageAccount: parsed.storageAccount,
      container: parsed.container,
    };

  const key = `${parsed.storageAccount}|${parsed.container}`;
  const accountInstance = accountInstanceId(owner.accountId);
  if ((await deps.debouncer.admit(key, parsed.eventId, parsed.eventTime)) === 'absorbed')
    return { action: 'absorbed', instanceId: accountInstance };

  const status = await findInstance(deps.client, accountInstance, { showInput: true });
  let outcome: AssetEventOutcome;
  if (await isDeleted(deps.ledger, owner.accountId, status)) {
    const instanceId = storageOnlyInstanceId(
      owner.accountId,
      parsed.storageAccount,
      parsed.container,
    );
    const previous = status?.input as Partial<MigrationRequest> | undefined;
    const input: StorageOnlyMigrationRequest = {
      accountId: owner.accountId,
      targets: previous?.targets?.length ? previous.targets : deps.defaultTargets,
      extensionPolicy: 'never',
      requireApproval: false,
      ...(previous?.targetOptions ? { targetOptions: previous.targetOptions } : {}),
      storageOnly: { storageAccount: parsed.storageAccount, container: parsed.container },
    };
    // A new burst after a finished storage-only run means new blobs: run it again.
    const result = await deps.service.ensureStarted(instanceId, input, 'always', parsed.eventId);
    outcome = { action: 'storage-only', instanceId, outcome: result.outcome };
  } else if (status && isActive(status)) {
    await deps.client.raiseEvent(accountInstance, EventNames.assetsAdded, {
      source: 'blob-event',
      storageAccount: parsed.storageAccount,
      container: parsed.container,
      firstBlob: parsed.blob,
      firstEventAt: parsed.eventTime ? new Date(parsed.eventTime).toISOString() : undefined,
    });
    outcome = { action: 'assets-added', instanceId: accountInstance };
  } else {
    // Not started yet (the sweep or the portal will start it and snapshot everything), or over.
    outcome = {
      action: 'not-running',
      instanceId: accountInstance,
      runtimeStatus: status?.runtimeStatus,
    };
  }
  await deps.debouncer.done(key, parsed.eventId);
  return outcome;
}

async function isDeleted(
  ledger: Ledger,
  accountId: string,
  status: { output?: unknown; customStatus?: unknown } | undefined,
): Promise<boolean> {
  if (status && readSummary(summarySource(status)).outcome === 'account-deleted') return true;
  const record = await ledger.getAccount(accountId);
  return record?.deleted === true || record?.exists === false;
}
