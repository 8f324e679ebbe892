import { canonicalAccountId, formatAccountId, parseAccountId } from '../account-id';

/**
 * The orchestration instance id of an account. It is derived from the canonical (lower-case) ARM
 * id only, so a timer sweep, a portal start and a blob event for the same account all name the
 * same instance instead of starting rivals. It stays readable (an operator can tell the account
 * from the id) and avoids the characters Durable Functions refuses in ids (`/ \ # ?`):
 * `ams~{subscription}~{group}~{account}`. Storage-only runs of one container of a deleted account
 * extend it with `~storage~{storageAccount}~{container}`.
 */
const PREFIX = 'ams';
const SEPARATOR = '~';
const STORAGE_ONLY = 'storage';
const encodePart = (part: string) => encodeURIComponent(part).replace(/~/g, '%7E');

export function accountInstanceId(accountArmId: string): string {
  const { subscriptionId, resourceGroup, accountName } = parseAccountId(
    canonicalAccountId(accountArmId),
  );
  return [PREFIX, subscriptionId, resourceGroup, accountName].map(encodePart).join(SEPARATOR);
}

/** The canonical account id an instance id was derived from, or undefined for other ids. */
export function accountIdFromInstanceId(instanceId: string): string | undefined {
  const parts = instanceId.split(SEPARATOR);
  if (parts.length !== 4 || parts[0] !== PREFIX) return undefined;
  try {
    const [, subscriptionId = '', resourceGroup = '', accountName = ''] =
      parts.map(decodeURIComponent);
    return canonicalAccountId(formatAccountId({ subscriptionId, resourceGroup, accountName }));
  } catch {
    return undefined;
  }
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
    .map((part, i) => (i === 0 ? part : encodePart(part.toLowerCase())))
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
  if (parts.length !== 7 || parts[4] !== STORAGE_ONLY) return undefined;
  const accountId = accountIdFromInstanceId(parts.slice(0, 4).join(SEPARATOR));
  const storageAccount = safeDecode(parts[5] ?? '');
  const container = safeDecode(parts[6] ?? '');
  if (!accountId || !storageAccount || !container) return undefined;
  return { accountId, storageOnly: { storageAccount, container } };
}

function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return '';
  }
}
