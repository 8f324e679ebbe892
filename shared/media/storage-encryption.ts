import { createCipheriv, createDecipheriv, type Decipher } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * AMS v2 storage encryption (`storageEncryptionFormat: MediaStorageClientEncryption`): each blob
 * is AES-CTR encrypted with the asset's key (from `getEncryptionKey`; 32 bytes gives AES-256) and
 * the file's own 64-bit initialization vector.
 *
 * Counter block layout (16 bytes, big-endian): bytes 0-7 are the file's initializationVector,
 * bytes 8-15 are the number of the 16-byte block within the file, starting at 0. So byte `n` of a
 * file is XORed with AES(key, iv || uint64(floor(n / 16)))[n % 16], and any range can be decrypted
 * on its own: that is what lets ranged, parallel downloads decrypt each block independently.
 *
 * The `initializationVector` the SDK exports is the 64-bit value as a decimal string; 16 hex digits
 * and base64 of 8 bytes are accepted too.
 */

/** The SDK's `StorageEncryptedAssetDecryptionData`, as stored in the secret store (JSON). */
export interface StorageEncryptionData {
  /** The asset's storage-encryption key, base64. */
  key: string;
  assetFileEncryptionMetadata: Array<{
    assetFileName: string;
    initializationVector: string;
    assetFileId?: string;
  }>;
}

export function parseStorageEncryptionData(json: string): StorageEncryptionData {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    throw new Error('the storage-encryption data is not JSON');
  }
  const data = value as Partial<StorageEncryptionData>;
  if (typeof data?.key !== 'string' || !Array.isArray(data.assetFileEncryptionMetadata)) {
    throw new Error('the storage-encryption data lacks key or assetFileEncryptionMetadata');
  }
  for (const f of data.assetFileEncryptionMetadata) {
    if (typeof f?.assetFileName !== 'string' || typeof f.initializationVector !== 'string') {
      throw new Error(
        'a storage-encryption file entry lacks assetFileName or initializationVector',
      );
    }
  }
  keyBytes(data.key);
  return data as StorageEncryptionData;
}

export function keyBytes(base64: string): Buffer {
  const key = Buffer.from(base64, 'base64');
  if (![16, 24, 32].includes(key.length)) {
    throw new Error(`the storage-encryption key must be 16, 24 or 32 bytes, got ${key.length}`);
  }
  return key;
}

/** The 8 IV bytes from the exported form (decimal 64-bit integer, 16 hex digits or base64). */
export function ivBytes(value: string): Buffer {
  const out = Buffer.alloc(8);
  const text = value.trim();
  if (/^\d+$/.test(text)) {
    const n = BigInt(text);
    if (n >= 1n << 64n) throw new Error('the initialization vector exceeds 64 bits');
    out.writeBigUInt64BE(n);
    return out;
  }
  if (/^[0-9a-f]{16}$/i.test(text)) return Buffer.from(text, 'hex');
  const decoded = Buffer.from(text, 'base64');
  if (decoded.length === 8) return decoded;
  throw new Error('the initialization vector is not a 64-bit value');
}

function algorithm(key: Buffer): string {
  return `aes-${key.length * 8}-ctr`;
}

/** The counter block for the block holding byte `offset`. */
export function counterBlock(iv: Buffer, offset: number): Buffer {
  const block = Buffer.alloc(16);
  iv.copy(block, 0, 0, 8);
  block.writeBigUInt64BE(BigInt(Math.floor(offset / 16)), 8);
  return block;
}

function cipherAt(key: Buffer, iv: Buffer, offset: number): Decipher {
  const decipher = createDecipheriv(algorithm(key), key, counterBlock(iv, offset));
  const skip = offset % 16;
  if (skip) decipher.update(Buffer.alloc(skip));
  return decipher;
}

/** Encrypts (or, CTR being symmetric, decrypts) a whole buffer. Used to make test fixtures. */
export function encryptBuffer(data: Buffer, key: Buffer, iv: Buffer): Buffer {
  const cipher = createCipheriv(algorithm(key), key, counterBlock(iv, 0));
  return Buffer.concat([cipher.update(data), cipher.final()]);
}

/** Decrypts bytes that start at `offset` of the file. */
export function decryptRange(data: Buffer, key: Buffer, iv: Buffer, offset: number): Buffer {
  const decipher = cipherAt(key, iv, offset);
  return Buffer.concat([decipher.update(data), decipher.final()]);
}

/** A streaming decrypt from `offset` (0 for a whole file): memory stays one chunk. */
export function decryptStream(key: Buffer, iv: Buffer, offset = 0): Transform {
  const decipher = cipherAt(key, iv, offset);
  return new Transform({
    transform(chunk: Buffer, _encoding, callback: TransformCallback) {
      callback(null, decipher.update(chunk));
    },
    flush(callback: TransformCallback) {
      callback(null, decipher.final());
    },
  });
}
