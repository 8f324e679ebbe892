/** A Media Services account, as its ARM id names it. */
export interface AccountRef {
  subscriptionId: string;
  resourceGroup: string;
  accountName: string;
}

const ACCOUNT_ID =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Media\/mediaServices\/([^/]+)\/?$/i;

/** Parses an account's ARM id (the service matches segment names case-insensitively). */
export function parseAccountId(armId: string): AccountRef {
  const match = ACCOUNT_ID.exec(armId.trim());
  if (!match) {
    throw new Error(
      `not a Media Services account id: "${armId}" (expected /subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.Media/mediaServices/{name})`,
    );
  }
  const [, subscriptionId = '', resourceGroup = '', accountName = ''] = match;
  return { subscriptionId, resourceGroup, accountName };
}

export function formatAccountId(ref: AccountRef): string {
  return `/subscriptions/${ref.subscriptionId}/resourceGroups/${ref.resourceGroup}/providers/Microsoft.Media/mediaServices/${ref.accountName}`;
}

/** The canonical, lower-case form: the one ids are compared and instance ids derived from. */
export function canonicalAccountId(armId: string): string {
  return formatAccountId(parseAccountId(armId)).toLowerCase();
}
