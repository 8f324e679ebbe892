import type { ContainerClient } from '@azure/storage-blob';
import type { MediaStorage } from '../storage/media-storage';
import type { NewUrl } from './target';

/**
 * Where a target's ledger row keeps the new URLs of a migrated asset: inline in `details.urls`, or,
 * when the list is longer than a table property can hold, in a JSON blob that `details.urlsBlob`
 * names. The URL map and the targets' re-runs both read them through here.
 */
export interface UrlsBlobRef {
  storageAccount: string;
  container: string;
  blob: string;
}

/** Table properties hold at most 64 KiB of text. */
const INLINE_MAX_CHARS = 16_000;

function isNewUrl(value: unknown): value is NewUrl {
  const v = value as Partial<NewUrl> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.url === 'string' &&
    typeof v.streamingLocatorId === 'string' &&
    typeof v.kind === 'string'
  );
}

function isBlobRef(value: unknown): value is UrlsBlobRef {
  const v = value as Partial<UrlsBlobRef> | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.storageAccount === 'string' &&
    typeof v.container === 'string' &&
    typeof v.blob === 'string'
  );
}

/** The ledger details for `urls`: inline, or written to `blob` in `output` when long. */
export async function urlsForLedger(
  urls: NewUrl[],
  output: { storageAccount: string; container: ContainerClient; blob: string },
): Promise<{ urls: NewUrl[] } | { urlsBlob: UrlsBlobRef }> {
  const json = JSON.stringify(urls);
  if (json.length <= INLINE_MAX_CHARS) return { urls };
  await output.container.getBlockBlobClient(output.blob).upload(json, Buffer.byteLength(json), {
    blobHTTPHeaders: { blobContentType: 'application/json' },
  });
  return {
    urlsBlob: {
      storageAccount: output.storageAccount,
      container: output.container.containerName,
      blob: output.blob,
    },
  };
}

/** The new URLs a ledger row records, wherever they are kept; malformed entries are dropped. */
export async function urlsFromLedger(
  details: Record<string, unknown> | undefined,
  mediaStorage: MediaStorage,
): Promise<NewUrl[]> {
  let urls: unknown = details?.urls;
  if (isBlobRef(details?.urlsBlob)) {
    const { storageAccount, container, blob } = details.urlsBlob;
    const text = (
      await mediaStorage.container(storageAccount, container).getBlobClient(blob).downloadToBuffer()
    ).toString('utf8');
    urls = JSON.parse(text) as unknown;
  }
  return Array.isArray(urls) ? urls.filter(isNewUrl) : [];
}
