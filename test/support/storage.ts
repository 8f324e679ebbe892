import { randomBytes } from 'node:crypto';
import type { StorageSettings } from '../../shared/config';

/** The connection string of the Azurite that jest's global setup started. */
export function testStorageConnectionString(): string {
  const value = process.env.TEST_STORAGE_CONNECTION_STRING;
  if (!value) throw new Error('Azurite is not running: tests must run through jest (npm test)');
  return value;
}

export function testStorageSettings(): StorageSettings {
  return { connectionString: testStorageConnectionString() };
}

/** A name no other test uses: lower-case letters and digits, valid for containers and tables. */
export function uniqueName(prefix: string): string {
  return `${prefix}${randomBytes(5).toString('hex')}`.toLowerCase();
}
