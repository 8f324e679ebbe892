import { createHash } from 'node:crypto';
import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets';
import type { TokenCredential } from '@azure/core-auth';
import { statusOf } from '../storage/table-util';
import type { SecretStore } from './secret-store';

/** Key Vault's size limit for a secret value. */
export const KEY_VAULT_MAX_SECRET_BYTES = 25_600;
const MAX_TAGS = 15;
const MAX_TAG_VALUE = 256;
/**
 * A larger value (a content-key policy with several FairPlay certificates can be) is stored in
 * parts of at most this many UTF-16 units (at most 24,000 bytes of UTF-8), named `{name}--part-N`,
 * and `{name}` holds a small index with the parts' count and SHA-256. Up to 1 MB in all.
 */
const PART_UNITS = 8_000;
const MAX_PARTS = 40;
const CHUNKED = 'application/vnd.lifeboat.chunked+json';

interface ChunkIndex {
  parts: number;
  sha256: string;
}

/**
 * Retries beyond the SDK's default of 3: an export writes hundreds of thousands of secrets, and a
 * vault at its limit (4,000 requests per 10 s) answers 429 with Retry-After, which the SDK's
 * throttling strategy waits out. Three attempts lose writes under sustained throttling.
 */
export const DEFAULT_KEY_VAULT_RETRY = { maxRetries: 10, maxRetryDelayInMs: 30_000 };

export interface KeyVaultSecretStoreOptions {
  /**
   * Passed to the SecretClient: an `agent` that trusts an emulator's certificate, `retryOptions`
   * (merged over DEFAULT_KEY_VAULT_RETRY), `additionalPolicies`. Omit in Azure.
   */
  clientOptions?: SecretClientOptions;
}

/**
 * A Key Vault call that failed. Carries the status and service code for callers that classify
 * failures, but neither the request (whose body holds the value) nor the SDK error as a cause.
 */
export class SecretStoreError extends Error {
  constructor(
    message: string,
    readonly statusCode?: number,
    readonly code?: string,
  ) {
    super(message);
    this.name = 'SecretStoreError';
  }
}

/** Key Vault for the Azure deployment; the Function App's managed identity needs get and set. */
export class KeyVaultSecretStore implements SecretStore {
  private readonly client: SecretClient;
  /** Settles when the first call (which meets Key Vault's 401 challenge) has finished. */
  private challenged?: Promise<void>;

  constructor(
    vaultUrl: string,
    credential: TokenCredential,
    options: KeyVaultSecretStoreOptions = {},
  ) {
    const clientOptions = options.clientOptions ?? {};
    this.client = new SecretClient(vaultUrl, credential, {
      ...clientOptions,
      retryOptions: { ...DEFAULT_KEY_VAULT_RETRY, ...clientOptions.retryOptions },
    });
  }

  async put(name: string, value: string, tags?: Record<string, string>): Promise<void> {
    if (Buffer.byteLength(value, 'utf8') <= KEY_VAULT_MAX_SECRET_BYTES) {
      await this.set(name, value, 'text/plain', tags);
      return;
    }
    const parts = splitValue(value);
    // Checked before any write, so the caller gets a clear error and nothing is half-written.
    if (parts.length > MAX_PARTS)
      throw new SecretStoreError(
        `secret "${name}" is ${value.length} characters; this store keeps at most ${MAX_PARTS * PART_UNITS}`,
        400,
        'SecretTooLarge',
      );
    // The parts first, the index last: a reader never finds an index without its parts.
    for (const [i, part] of parts.entries())
      await this.set(partName(name, i), part, 'text/plain', tags);
    const index: ChunkIndex = { parts: parts.length, sha256: sha256(value) };
    await this.set(name, JSON.stringify(index), CHUNKED, tags);
  }

  async get(name: string): Promise<string | undefined> {
    const secret = await this.read(name);
    if (secret?.contentType !== CHUNKED || secret.value === undefined) return secret?.value;
    const index = JSON.parse(secret.value) as ChunkIndex;
    const parts: string[] = [];
    for (let i = 0; i < index.parts; i++) {
      const part = await this.read(partName(name, i));
      if (part?.value === undefined)
        throw new SecretStoreError(`secret "${name}": part ${i + 1} of ${index.parts} is missing`);
      parts.push(part.value);
    }
    const value = parts.join('');
    if (sha256(value) !== index.sha256)
      throw new SecretStoreError(`secret "${name}": its parts do not match the recorded digest`);
    return value;
  }

  private async set(
    name: string,
    value: string,
    contentType: string,
    tags: Record<string, string> | undefined,
  ): Promise<void> {
    try {
      await this.afterChallenge(() =>
        this.client.setSecret(name, value, { tags: tags && fitTags(tags), contentType }),
      );
    } catch (error) {
      throw storeError('set', name, error, value);
    }
  }

  private async read(name: string): Promise<{ value?: string; contentType?: string } | undefined> {
    try {
      const secret = await this.afterChallenge(() => this.client.getSecret(name));
      return { value: secret.value, contentType: secret.properties.contentType };
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw storeError('get', name, error);
    }
  }

  /**
   * The SDK learns the token's scope from a 401 challenge on its first request. Concurrent first
   * calls would each go out without a token (and the SDK strips the body of the one it holds for
   * the challenge, which it may then fail to restore), so calls wait for the first to finish.
   */
  private async afterChallenge<T>(call: () => Promise<T>): Promise<T> {
    if (this.challenged) {
      await this.challenged;
      return call();
    }
    const first = call();
    this.challenged = first.then(
      () => undefined,
      () => undefined,
    );
    return first;
  }

  /**
   * A get of `name` alone (a chunked value's index, not its parts): Key Vault has no HEAD, and the
   * other way to learn that a secret exists (listing its versions) is one throttled transaction as
   * well and needs the `list` permission besides get and set.
   */
  async has(name: string): Promise<boolean> {
    return (await this.read(name)) !== undefined;
  }
}

const partName = (name: string, index: number) => `${name}--part-${index + 1}`;
const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');

/** Splits into parts of at most PART_UNITS UTF-16 units, never inside a surrogate pair. */
function splitValue(value: string): string[] {
  const parts: string[] = [];
  for (let at = 0; at < value.length;) {
    let end = Math.min(value.length, at + PART_UNITS);
    const last = value.charCodeAt(end - 1);
    if (end < value.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    parts.push(value.slice(at, end));
    at = end;
  }
  return parts;
}

/** Key Vault allows 15 tags of at most 256 characters; tags are descriptive, so trim them. */
function fitTags(tags: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(tags)
      .slice(0, MAX_TAGS)
      .map(([k, v]) => [k, v.length > MAX_TAG_VALUE ? v.slice(0, MAX_TAG_VALUE) : v]),
  );
}

/** The SDK error reduced to status, code and the service's message, with the value removed. */
function storeError(
  operation: string,
  name: string,
  error: unknown,
  value?: string,
): SecretStoreError {
  const status = statusOf(error);
  const rawCode = (error as { code?: unknown } | undefined)?.code;
  const code = typeof rawCode === 'string' ? rawCode : undefined;
  let detail = error instanceof Error ? error.message : String(error);
  if (value && value.length >= 8) detail = detail.split(value).join('[value removed]');
  const where = [status ? `HTTP ${status}` : '', code ?? ''].filter(Boolean).join(' ');
  return new SecretStoreError(
    `Key Vault ${operation} of secret "${name}" failed${where ? ` (${where})` : ''}: ${detail}`,
    status,
    code,
  );
}
