import { createHash, randomBytes } from 'node:crypto';
import type { BlockBlobClient } from '@azure/storage-blob';

/**
 * Streams text into one block blob: buffered up to one block, staged, committed at the end, so
 * memory stays at one block however much passes. Hashes as it goes.
 */
export class TextBlobWriter {
  private readonly hash = createHash('sha256');
  private readonly blockIds: string[] = [];
  private readonly prefix = randomBytes(6).toString('hex');
  private chunks: Buffer[] = [];
  private buffered = 0;
  private written = 0;
  private closed = false;
  private pending: Array<Promise<unknown>> = [];

  constructor(
    private readonly blob: BlockBlobClient,
    private readonly blockBytes = 4 * 1024 * 1024,
  ) {}

  /** Bytes written so far. */
  get bytes(): number {
    return this.written;
  }

  async write(text: string): Promise<void> {
    if (this.closed) throw new Error('write after close');
    const chunk = Buffer.from(text, 'utf8');
    this.hash.update(chunk);
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    this.written += chunk.length;
    if (this.buffered >= this.blockBytes) await this.stage();
  }

  async close(contentType: string): Promise<{ bytes: number; sha256: string }> {
    if (this.closed) throw new Error('closed twice');
    this.closed = true;
    await this.stage();
    await Promise.all(this.pending);
    await this.blob.commitBlockList(this.blockIds, {
      blobHTTPHeaders: { blobContentType: contentType },
    });
    return { bytes: this.written, sha256: this.hash.digest('hex') };
  }

  /** Takes the buffer and its block id synchronously, so concurrent writers keep the order. */
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
 * Records as NDJSON in one block blob, noting where every `indexEvery`-th record starts so a
 * batch can be read by byte range instead of from the beginning.
 */
export class NdjsonBlobWriter {
  private readonly out: TextBlobWriter;
  private count = 0;
  private readonly index: NdjsonIndex = [];
  private readonly indexEvery: number;

  constructor(blob: BlockBlobClient, options: { blockBytes?: number; indexEvery?: number } = {}) {
    this.out = new TextBlobWriter(blob, options.blockBytes);
    this.indexEvery = options.indexEvery ?? 1000;
  }

  get records(): number {
    return this.count;
  }

  async write(record: unknown): Promise<void> {
    if (this.count % this.indexEvery === 0) this.index.push([this.count, this.out.bytes]);
    this.count += 1;
    await this.out.write(`${JSON.stringify(record)}\n`);
  }

  async close(contentType = 'application/x-ndjson'): Promise<NdjsonFileSummary> {
    const { bytes, sha256 } = await this.out.close(contentType);
    return { count: this.count, bytes, sha256, indexEvery: this.indexEvery, index: this.index };
  }
}
