import { createHash } from 'node:crypto';

/**
 * Where content keys, policy secrets and SAS URLs go instead of snapshots, logs and reports.
 * Key Vault in Azure; a local folder on one machine. Snapshots and reports refer to a secret only
 * by its name.
 */
export interface SecretStore {
  /** Stores `value` under `name` (overwriting); idempotent for the same value. */
  put(name: string, value: string, tags?: Record<string, string>): Promise<void>;
  get(name: string): Promise<string | undefined>;
  has(name: string): Promise<boolean>;
}

/**
 * A deterministic secret name for what a secret belongs to, valid in Key Vault (letters, digits
 * and dashes, at most 127 characters). The parts are hashed so that names stay short and reveal
 * nothing; the readable parts go into the secret's tags.
 */
export function secretName(kind: string, ...parts: string[]): string {
  const prefix = kind
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 40);
  const digest = createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 40);
  return `${prefix}-${digest}`;
}
