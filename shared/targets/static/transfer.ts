import { open } from 'node:fs/promises';
import {
  BlobSASPermissions,
  generateBlobSASQueryParameters,
  StorageSharedKeyCredential,
  type BlobClient,
  type BlobServiceClient,
  type ContainerClient,
} from '@azure/storage-blob';
import { contentTypeOf } from './paths';
import { decryptRange } from '../../media/storage-encryption';

/**
 * Blob I/O of the static target, bounded in memory whatever the asset size: listings read page by
 * page (containers of any size, not only the first 5,000 blobs), downloads fetch ranges in parallel
 * straight into a temporary file (decrypting storage-encrypted ranges on the way), uploads send
 * blocks in parallel from the file, and files that need no processing are copied by the service.
 */

export interface BlobEntry {
  name: string;
  size: number;
}

export interface TransferSettings {
  blockSize: number;
  concurrency: number;
}

/** Every blob of a container (or under a prefix), following continuation tokens. */
export async function listAllBlobs(
  container: ContainerClient,
  pageSize: number,
  prefix?: string,
): Promise<BlobEntry[]> {
  const out: BlobEntry[] = [];
  for await (const page of container.listBlobsFlat({ prefix }).byPage({ maxPageSize: pageSize })) {
    for (const item of page.segment.blobItems)
      out.push({ name: item.name, size: item.properties.contentLength ?? 0 });
  }
  return out;
}

/** Runs `work` over `items` with at most `limit` at a time; the first failure rejects. */
export async function inParallel<T>(
  items: T[],
  limit: number,
  work: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        await work(items[index]!, index);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  });
  await Promise.all(runners);
}

export interface Decryption {
  key: Buffer;
  iv: Buffer;
}

async function readAll(
  stream: NodeJS.ReadableStream | undefined,
  expected: number,
): Promise<Buffer> {
  if (!stream) throw new Error('the download returned no body');
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    chunks.push(buf);
    length += buf.length;
  }
  if (length !== expected)
    throw new Error(`a ranged download returned ${length} bytes instead of ${expected}`);
  return Buffer.concat(chunks, length);
}

/**
 * Downloads a blob to `path` in parallel ranges of `blockSize`, each written at its offset, so
 * memory holds at most `concurrency` blocks. Returns the size.
 */
export async function downloadToFile(
  blob: BlobClient,
  path: string,
  settings: TransferSettings,
  decryption?: Decryption,
  knownSize?: number,
): Promise<number> {
  const size = knownSize ?? (await blob.getProperties()).contentLength ?? 0;
  const handle = await open(path, 'w');
  try {
    const ranges: Array<[number, number]> = [];
    for (let offset = 0; offset < size; offset += settings.blockSize) {
      ranges.push([offset, Math.min(settings.blockSize, size - offset)]);
    }
    await inParallel(ranges, settings.concurrency, async ([offset, count]) => {
      const response = await blob.download(offset, count, { maxRetryRequests: 3 });
      let data = await readAll(response.readableStreamBody, count);
      if (decryption) data = decryptRange(data, decryption.key, decryption.iv, offset);
      await handle.write(data, 0, data.length, offset);
    });
  } finally {
    await handle.close();
  }
  return size;
}

/** A small blob into memory (manifests, fragments), decrypted when needed. */
export async function downloadSmall(
  blob: BlobClient,
  decryption?: Decryption,
  maxBytes = 64 * 1024 * 1024,
): Promise<Buffer> {
  const response = await blob.download(0);
  const size = response.contentLength ?? 0;
  if (size > maxBytes)
    throw new Error(`${blob.name} is ${size} bytes, more than the ${maxBytes} expected`);
  const data = await readAll(response.readableStreamBody, size);
  return decryption ? decryptRange(data, decryption.key, decryption.iv, 0) : data;
}

/** Uploads a file in parallel blocks with its content type. */
export async function uploadFile(
  container: ContainerClient,
  blobName: string,
  path: string,
  settings: TransferSettings,
  contentType = contentTypeOf(blobName),
): Promise<void> {
  await container.getBlockBlobClient(blobName).uploadFile(path, {
    blockSize: settings.blockSize,
    concurrency: settings.concurrency,
    blobHTTPHeaders: { blobContentType: contentType },
  });
}

/** A read URL for a source blob the destination service can fetch (copy from URL). */
export async function readableUrl(
  blob: BlobClient,
  service: BlobServiceClient,
  now: number,
): Promise<string> {
  const startsOn = new Date(now - 5 * 60_000);
  const expiresOn = new Date(now + 6 * 3600_000);
  if (blob.credential instanceof StorageSharedKeyCredential) {
    return blob.generateSasUrl({ permissions: BlobSASPermissions.parse('r'), startsOn, expiresOn });
  }
  // Managed identity: a user delegation SAS (needs the Storage Blob Delegator role).
  const key = await service.getUserDelegationKey(startsOn, expiresOn);
  const sas = generateBlobSASQueryParameters(
    {
      containerName: blob.containerName,
      blobName: blob.name,
      permissions: BlobSASPermissions.parse('r'),
      startsOn,
      expiresOn,
    },
    key,
    service.accountName,
  );
  return `${blob.url}?${sas.toString()}`;
}

/**
 * Copies a blob by the service (the bytes never pass through this process): the synchronous copy
 * from URL up to 256 MiB, the asynchronous copy beyond, polled to completion.
 */
export async function serverCopy(
  sourceUrl: string,
  target: BlobClient,
  size: number,
  contentType?: string,
): Promise<void> {
  if (size <= 256 * 1024 * 1024) {
    await target.syncCopyFromURL(sourceUrl);
  } else {
    const poller = await target.beginCopyFromURL(sourceUrl, { intervalInMs: 2000 });
    const result = await poller.pollUntilDone();
    if (result.copyStatus !== 'success')
      throw new Error(`the copy of ${target.name} ended ${result.copyStatus}`);
  }
  if (contentType) await target.setHTTPHeaders({ blobContentType: contentType });
}
