import { canonicalAccountId, formatAccountId, parseAccountId } from '../account-id';

/**
 * The orchestration instance id of an account. It is derived from the canonical (lower-case) ARM
 * id only, so a timer sweep, a portal start and a blob event for the same account all name the
 * same instance instead of starting rivals. It stays readable (an operator can tell the account
 * from the id) and avoids the characters Durable Functions refuses in ids (`/ \ # ?`).
 */
const PREFIX = 'ams';
const SEPARATOR = '~';

export function accountInstanceId(accountArmId: string): string {
  const { subscriptionId, resourceGroup, accountName } = parseAccountId(
    canonicalAccountId(accountArmId),
  );
  return [PREFIX, subscriptionId, resourceGroup, accountName]
    .map((part) => encodeURIComponent(part).replace(/~/g, '%7E'))
    .join(SEPARATOR);
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
