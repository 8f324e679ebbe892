import { createInterface } from 'node:readline';
import type { BlobClient } from '@azure/storage-blob';
import type { NdjsonIndex } from './ndjson-writer';

/**
 * Reads records [offset, offset + count) of an NDJSON blob as a stream, starting the download at
 * the nearest indexed record before `offset` (so batch N does not read batches 0..N-1).
 */
export async function* readNdjson<T>(
  blob: BlobClient,
  options: { offset?: number; count?: number; index?: NdjsonIndex } = {},
): AsyncIterable<T> {
  const offset = options.offset ?? 0;
  const end = options.count === undefined ? Number.POSITIVE_INFINITY : offset + options.count;
  if (end <= offset) return;
  let record = 0;
  let byte = 0;
  for (const [r, b] of options.index ?? []) {
    if (r > offset) break;
    record = r;
    byte = b;
  }
  const download = await blob.download(byte);
  const body = download.readableStreamBody;
  if (!body) return;
  const lines = createInterface({ input: body, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) {
      if (!line) continue;
      if (record >= end) break;
      if (record >= offset) yield JSON.parse(line) as T;
      record += 1;
    }
  } finally {
    lines.close();
    (body as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.();
  }
}
