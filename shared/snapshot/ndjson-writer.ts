import { createHash, randomBytes } from 'node:crypto';
import type { BlockBlobClient } from '@azure/storage-blob';

/** Where every `indexEvery`-th record starts: [record number, byte offset]. */
export type NdjsonIndex = Array<[number, number]>;

export interface NdjsonFileSummary {
  count: number;
  bytes: number;
  /** SHA-256 of the blob's bytes, hex. */
  sha256: string;
  indexEvery: number;
  index: NdjsonIndex;
}

/**
 * Streams records as NDJSON into one block blob: lines are buffered up to one block, staged, and
 * committed at the end, so memory stays at one block however many records pass. Hashes as it
 * goes, and notes where every `indexEvery`-th record starts so a batch can be read by byte range
 * instead of from the beginning.
 */
export class NdjsonBlobWriter {
  private readonly hash = createHash('sha256');
  private readonly blockIds: string[] = [];
  private readonly prefix = randomBytes(6).toString('hex');
  private chunks: Buffer[] = [];
  private buffered = 0;
  private count = 0;
  private bytes = 0;
  private readonly index: NdjsonIndex = [];
  private closed = false;
  private pending: Array<Promise<unknown>> = [];

  constructor(
    private readonly blob: BlockBlobClient,
    private readonly options: { blockBytes?: number; indexEvery?: number } = {},
  ) {}

  get records(): number {
    return this.count;
  }

  async write(record: unknown): Promise<void> {
    if (this.closed) throw new Error('write after close');
    const every = this.options.indexEvery ?? 1000;
    if (this.count % every === 0) this.index.push([this.count, this.bytes]);
    const line = Buffer.from(`${JSON.stringify(record)}\n`, 'utf8');
    this.hash.update(line);
    this.chunks.push(line);
    this.buffered += line.length;
    this.bytes += line.length;
    this.count += 1;
    if (this.buffered >= (this.options.blockBytes ?? 4 * 1024 * 1024)) await this.stage();
  }

  async close(contentType = 'application/x-ndjson'): Promise<NdjsonFileSummary> {
    if (this.closed) throw new Error('closed twice');
    this.closed = true;
    await this.stage();
    await Promise.all(this.pending);
    await this.blob.commitBlockList(this.blockIds, {
      blobHTTPHeaders: { blobContentType: contentType },
    });
    return {
      count: this.count,
      bytes: this.bytes,
      sha256: this.hash.digest('hex'),
      indexEvery: this.options.indexEvery ?? 1000,
      index: this.index,
    };
  }

  /** Takes the buffer and its block id synchronously, so concurrent writers keep the line order. */
  private async stage(): Promise<void> {
    if (!this.buffered) return;
    const body = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [];
    this.buffered = 0;
    // Block ids must all have the same length within a blob.
    const id = Buffer.from(
      `${this.prefix}-${String(this.blockIds.length).padStart(6, '0')}`,
    ).toString('base64');
    this.blockIds.push(id);
    const upload = this.blob.stageBlock(id, body, body.length);
    this.pending.push(upload);
    await upload;
    this.pending = this.pending.filter((p) => p !== upload);
  }
}
