import { canonicalAccountId, parseAccountId } from '../account-id';

/**
 * Instance ids of the account orchestration, derived from the canonical account id only, so a
 * timer sweep, a portal start and a blob event for one account meet the same instance. Readable
 * (`ams~{subscription}~{group}~{account}`) and free of the characters Durable refuses (`/ \ # ?`).
 *
 * The orchestration side owns this derivation (shared/pipeline/instance-id.ts); until it is on
 * main this module holds the same scheme, and becomes a re-export once it is.
 */
const PREFIX = 'ams';
const SEPARATOR = '~';
const STORAGE_ONLY = 'storage';

export function accountInstanceId(accountArmId: string): string {
  const { subscriptionId, resourceGroup, accountName } = parseAccountId(
    canonicalAccountId(accountArmId),
  );
  return [PREFIX, subscriptionId, resourceGroup, accountName]
    .map((part) => encodeURIComponent(part))
    .join(SEPARATOR);
}

/** The canonical account id an instance id was derived from, or undefined for other ids. */
export function accountIdFromInstanceId(instanceId: string): string | undefined {
  const parts = instanceId.split(SEPARATOR);
  if (parts.length !== 4 || parts[0] !== PREFIX) return undefined;
  return accountFromParts(parts);
}

/**
 * The instance that migrates one container of an already deleted account from storage alone
 * (no metadata is left to read). One per container, so repeated blob events meet it too.
 */
export function storageOnlyInstanceId(
  accountArmId: string,
  storageAccount: string,
  container: string,
): string {
  return [accountInstanceId(accountArmId), STORAGE_ONLY, storageAccount, container]
    .map((part, i) => (i === 0 ? part : encodeURIComponent(part.toLowerCase())))
    .join(SEPARATOR);
}

export interface ParsedInstanceId {
  accountId: string;
  /** Set for storage-only instances. */
  storageOnly?: { storageAccount: string; container: string };
}

/** Parses either kind of migration instance id; undefined when it is not one of ours. */
export function parseMigrationInstanceId(instanceId: string): ParsedInstanceId | undefined {
  const parts = instanceId.split(SEPARATOR);
  if (parts.length === 4) {
    const accountId = accountIdFromInstanceId(instanceId);
    return accountId ? { accountId } : undefined;
  }
  if (parts.length !== 7 || parts[0] !== PREFIX || parts[4] !== STORAGE_ONLY) return undefined;
  const accountId = accountFromParts(parts.slice(0, 4));
  const storageAccount = safeDecode(parts[5] ?? '');
  const container = safeDecode(parts[6] ?? '');
  if (!accountId || !storageAccount || !container) return undefined;
  return { accountId, storageOnly: { storageAccount, container } };
}

function accountFromParts(parts: string[]): string | undefined {
  const [, subscriptionId, resourceGroup, accountName] = parts.map(safeDecode);
  if (!subscriptionId || !resourceGroup || !accountName) return undefined;
  try {
    return canonicalAccountId(
      `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/Microsoft.Media/mediaServices/${accountName}`,
    );
  } catch {
    return undefined;
  }
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return '';
  }
}
