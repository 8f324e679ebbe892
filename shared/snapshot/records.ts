/**
 * The shape of snapshot records as the pipeline reads them back (a subset of the SDK models,
 * JSON-safe: dates as ISO strings, bytes as base64, secrets as `{ secretRef }`).
 */
export interface AccountRecord {
  name: string;
  id?: string;
  location?: string;
  retirementDate?: string;
  storageAccounts?: Array<{ id?: string; type?: string }>;
}

export interface AssetRecord {
  name: string;
  assetId?: string;
  container?: string;
  storageAccountName?: string;
  storageEncryptionFormat?: string;
  created?: string;
}

export interface LocatorRecord {
  name: string;
  assetName?: string;
  streamingLocatorId?: string;
  streamingPolicyName?: string;
  defaultContentKeyPolicyName?: string;
  filters?: string[];
  contentKeys?: Array<{
    id?: string;
    type?: string;
    labelReferenceInStreamingPolicy?: string;
    policyName?: string;
  }>;
  created?: string;
}

export interface FilterRecord {
  name: string;
  assetName?: string;
  presentationTimeRange?: Record<string, unknown>;
  firstQuality?: { bitrate?: number };
  tracks?: Array<{
    trackSelections?: Array<{ property?: string; operation?: string; value?: string }>;
  }>;
}

export interface EndpointRecord {
  name: string;
  hostName?: string;
  customHostNames?: string[];
  cdnEnabled?: boolean;
  cdnProvider?: string;
  cdnProfile?: string;
}

export interface NamedRecord {
  name: string;
}

/** Validates the one field every record must have, with a clear error. */
export function requireName<T extends NamedRecord>(value: unknown, type: string): T {
  if (!value || typeof value !== 'object' || typeof (value as NamedRecord).name !== 'string')
    throw new Error(
      `snapshot ${type} record without a name: ${JSON.stringify(value)?.slice(0, 200)}`,
    );
  return value as T;
}

/** The storage account name of an ARM storage account id (its last segment). */
export function storageAccountName(id: string | undefined): string | undefined {
  return id?.split('/').filter(Boolean).pop();
}
