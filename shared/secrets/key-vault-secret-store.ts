import { SecretClient, type SecretClientOptions } from '@azure/keyvault-secrets';
import type { TokenCredential } from '@azure/core-auth';
import type { SecretStore } from './secret-store';

/** Key Vault's size limit for a secret value. */
export const KEY_VAULT_MAX_SECRET_BYTES = 25_600;
const MAX_TAGS = 15;
const MAX_TAG_VALUE = 256;

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
    // Checked here so the caller gets a clear error (the service answers a terse BadParameter)
    // and no request is spent on a write that cannot succeed.
    const bytes = Buffer.byteLength(value, 'utf8');
    if (bytes > KEY_VAULT_MAX_SECRET_BYTES)
      throw new SecretStoreError(
        `secret "${name}" is ${bytes} bytes; Key Vault stores at most ${KEY_VAULT_MAX_SECRET_BYTES}`,
        400,
        'SecretTooLarge',
      );
    try {
      await this.afterChallenge(() =>
        this.client.setSecret(name, value, {
          tags: tags && fitTags(tags),
          contentType: 'text/plain',
        }),
      );
    } catch (error) {
      throw storeError('set', name, error, value);
    }
  }

  async get(name: string): Promise<string | undefined> {
    try {
      return (await this.afterChallenge(() => this.client.getSecret(name))).value;
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
   * A get: Key Vault has no HEAD, and the other way to learn that a secret exists (listing its
   * versions) is one throttled transaction as well and needs the `list` permission besides get
   * and set. The value downloaded is at most 25 KB and is not kept.
   */
  async has(name: string): Promise<boolean> {
    return (await this.get(name)) !== undefined;
  }
}

function statusOf(error: unknown): number | undefined {
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
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
