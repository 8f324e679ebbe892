import type { ContainerClient } from '@azure/storage-blob';
import type { ResourceCounts } from '../pipeline/contracts';
import type { NdjsonFileSummary } from './ndjson-writer';

export const MANIFEST = 'manifest.json';

/** The resource files of a snapshot, in the order they are taken. */
export const SNAPSHOT_TYPES = [
  'account',
  'accountFilters',
  'streamingPolicies',
  'contentKeyPolicies',
  'streamingLocators',
  'assets',
  'assetFilters',
  'tracks',
  'streamingEndpoints',
  'liveEvents',
  'liveOutputs',
  'transforms',
  'jobs',
] as const;
export type SnapshotType = (typeof SNAPSHOT_TYPES)[number];

export interface SnapshotFile extends NdjsonFileSummary {
  /** Blob name relative to the snapshot folder. */
  blob: string;
  /** True when the listing stopped part-way (see `unreadable`). */
  partial?: boolean;
}

export interface SnapshotManifest {
  version: 1;
  accountId: string;
  takenAt: string;
  /** Taken while the account was read-only (GETs only either way). */
  readOnly: boolean;
  retirementDate?: string;
  /** A delta snapshot: only resources created after this. */
  createdAfter?: string;
  files: Partial<Record<SnapshotType, SnapshotFile>>;
  counts: Record<string, number>;
  resourceCounts: ResourceCounts;
  unreadable: Array<{ type: string; reason: string }>;
  /** Secret values found in GET data and moved to the secret store (referenced by name). */
  secretsMoved: number;
  /** ARM requests the snapshot made, retries included. */
  requests: number;
}

export function snapshotBlob(path: string, name: string): string {
  return `${path.replace(/\/+$/, '')}/${name}`;
}

export async function readManifest(
  container: ContainerClient,
  path: string,
): Promise<SnapshotManifest> {
  const blob = container.getBlobClient(snapshotBlob(path, MANIFEST));
  let text: string;
  try {
    text = (await blob.downloadToBuffer()).toString('utf8');
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404)
      throw new Error(`no snapshot manifest at ${path}`);
    throw error;
  }
  const manifest = JSON.parse(text) as SnapshotManifest;
  if (manifest.version !== 1 || typeof manifest.files !== 'object')
    throw new Error(`unsupported snapshot manifest at ${path}`);
  return manifest;
}
