import { randomBytes } from 'node:crypto';

/**
 * The folder name of one output (snapshot, URL map, report): its time without colons, plus a short
 * random suffix, so two outputs made at the same (virtual) millisecond never overwrite each other.
 */
export function outputStamp(at: number): string {
  return `${new Date(at).toISOString().replace(/[:.]/g, '-')}-${randomBytes(3).toString('hex')}`.toLowerCase();
}
