import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { SecretClient } from '@azure/keyvault-secrets';
import {
  startKeyVaultEmulator,
  MAX_SECRET_BYTES,
  type KeyVaultEmulatorHandle,
} from '../../emulators/keyvault';
import {
  createSecretStore,
  KeyVaultSecretStore,
  LocalSecretStore,
  SecretStoreError,
  secretName,
  type KeyVaultSecretStoreOptions,
} from '../../shared/secrets';
import { loadConfig } from '../../shared/config';

/** A content key as AMS returns it: 16 random bytes, base64. */
const keyValue = (i: number) =>
  Buffer.from(`content-key-${String(i).padStart(4, '0')}`).toString('base64');

describe('Key Vault secret store against the Key Vault emulator', () => {
  let emu: KeyVaultEmulatorHandle;

  beforeAll(async () => {
    emu = await startKeyVaultEmulator();
  });
  afterAll(async () => {
    await emu.stop();
  });
  beforeEach(() => {
    emu.admin.clearFaults();
    emu.admin.setBudget({ limit: 4_000, windowMs: 10_000 });
    emu.admin.resetCounts();
  });

  const sdk = () => new SecretClient(emu.vaultUrl, emu.credential, emu.clientOptions);
  const store = (options: KeyVaultSecretStoreOptions['clientOptions'] = {}) =>
    new KeyVaultSecretStore(emu.vaultUrl, emu.credential, {
      clientOptions: { ...emu.clientOptions, ...options },
    });

  describe('the emulator, as the unmodified SecretClient sees it', () => {
    it('challenges a request without a token and names a resource the SDK verifies', async () => {
      const client = sdk();
      const set = await client.setSecret('challenge-1', 'v1', { tags: { a: 'b' } });
      expect(set.value).toBe('v1');
      const counts = emu.admin.requestCounts();
      // The first request went out bare and met the 401 challenge; the retry carried the token.
      expect(counts.byOperation.setSecret).toEqual({ 401: 1, 200: 1 });
      expect(emu.admin.tokenScopes()).toEqual(['https://vault.localhost/.default']);
      expect(emu.vaultUrl).toMatch(/^https:\/\/lifeboat\.vault\.localhost:\d+$/);
    });

    it("is refused by the SDK when the challenge names a resource outside the vault's domain", async () => {
      const foreign = await startKeyVaultEmulator({ challengeResource: 'https://vault.azure.net' });
      try {
        const client = new SecretClient(
          foreign.vaultUrl,
          foreign.credential,
          foreign.clientOptions,
        );
        await expect(client.getSecret('any')).rejects.toThrow(
          /does not match the requested domain/,
        );
        expect(foreign.admin.tokenScopes()).toEqual([]);
      } finally {
        await foreign.stop();
      }
    });

    it('answers the SecretBundle shape: id with version, attributes, tags, contentType', async () => {
      const client = sdk();
      const first = await client.setSecret('Shape-1', 'one', {
        contentType: 'text/plain',
        tags: { account: 'acct' },
      });
      const second = await client.setSecret('shape-1', 'two');
      expect(first.properties.id).toMatch(
        new RegExp(`^${emu.vaultUrl}/secrets/Shape-1/[0-9a-f]{32}$`),
      );
      expect(second.properties.version).not.toBe(first.properties.version);
      expect(first.properties.enabled).toBe(true);
      expect(first.properties.createdOn).toBeInstanceOf(Date);
      expect(first.properties.recoveryLevel).toBe('Recoverable+Purgeable');
      expect(first.properties.tags).toEqual({ account: 'acct' });
      expect(first.properties.contentType).toBe('text/plain');
      // Names are case-insensitive; a version stays readable after a newer one.
      expect((await client.getSecret('SHAPE-1')).value).toBe('two');
      expect((await client.getSecret('shape-1', { version: first.properties.version })).value).toBe(
        'one',
      );
      expect(emu.admin.versions('shape-1').map((v) => v.value)).toEqual(['one', 'two']);
    });

    it('pages listPropertiesOfSecrets with nextLink and rejects maxresults above 25', async () => {
      const client = sdk();
      const names = Array.from({ length: 30 }, (_, i) => `page-${String(i).padStart(2, '0')}`);
      await Promise.all(names.map((n) => client.setSecret(n, `v-${n}`)));
      emu.admin.resetCounts();
      const listed: string[] = [];
      for await (const p of client.listPropertiesOfSecrets()) listed.push(p.name);
      expect(listed.filter((n) => n.startsWith('page-')).sort()).toEqual(names);
      expect(emu.admin.requestCounts().byOperation.listSecrets?.[200]).toBeGreaterThanOrEqual(2);
      const pages = client.listPropertiesOfSecrets().byPage({ maxPageSize: 26 });
      await expect(pages.next()).rejects.toMatchObject({ statusCode: 400, code: 'BadParameter' });
    });

    it('answers SecretNotFound, BadParameter for bad names and oversized values', async () => {
      const client = sdk();
      await expect(client.getSecret('never-written')).rejects.toMatchObject({
        statusCode: 404,
        code: 'SecretNotFound',
      });
      for (const bad of ['under_score', 'x'.repeat(128)])
        await expect(client.setSecret(bad, 'v')).rejects.toMatchObject({
          statusCode: 400,
          code: 'BadParameter',
        });
      await expect(client.setSecret('x'.repeat(127), 'v')).resolves.toBeDefined();
      const big = 'Q'.repeat(MAX_SECRET_BYTES + 1);
      const error = await client.setSecret('too-big', big).catch((e: Error) => e);
      expect(error).toMatchObject({ statusCode: 400, code: 'BadParameter' });
      expect((error as Error).message).not.toContain('QQQQ');
      await expect(
        client.setSecret('just-fits', 'Q'.repeat(MAX_SECRET_BYTES)),
      ).resolves.toBeDefined();
    });

    it('deletes: the name is then not found and cannot be reused until purged', async () => {
      const client = sdk();
      await client.setSecret('doomed', 'v');
      const poller = await client.beginDeleteSecret('doomed');
      const deleted = await poller.pollUntilDone();
      expect(deleted.recoveryId).toBe(`${emu.vaultUrl}/deletedsecrets/doomed`);
      await expect(client.getSecret('doomed')).rejects.toMatchObject({ statusCode: 404 });
      await expect(client.setSecret('doomed', 'again')).rejects.toMatchObject({
        statusCode: 409,
        code: 'Conflict',
      });
      await client.purgeDeletedSecret('doomed');
      await expect(client.setSecret('doomed', 'again')).resolves.toBeDefined();
    });
  });

  describe('KeyVaultSecretStore', () => {
    it('round-trips put/get/has; a missing secret is undefined', async () => {
      const s = store();
      expect(await s.get('missing-1')).toBeUndefined();
      expect(await s.has('missing-1')).toBe(false);
      await s.put('round-trip', keyValue(1), { account: 'acct' });
      expect(await s.get('round-trip')).toBe(keyValue(1));
      expect(await s.has('round-trip')).toBe(true);
      expect(emu.admin.versions('round-trip')[0]).toMatchObject({
        contentType: 'text/plain',
        tags: { account: 'acct' },
      });
    });

    it('an overwrite makes a new version and get returns the latest', async () => {
      const s = store();
      await s.put('rotated', keyValue(1));
      await s.put('rotated', keyValue(2));
      expect(await s.get('rotated')).toBe(keyValue(2));
      const versions = emu.admin.versions('rotated');
      expect(versions.map((v) => v.value)).toEqual([keyValue(1), keyValue(2)]);
      expect(new Set(versions.map((v) => v.version)).size).toBe(2);
    });

    it("accepts the pipeline's secret names and fits long tags into Key Vault's limits", async () => {
      const s = store();
      const name = secretName(
        'content key',
        '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Media/mediaServices/acct',
        'locator-with-a-long-name',
        'a3f1c7d2-0000-4000-8000-000000000001',
      );
      await s.put(name, keyValue(3), { locator: 'L'.repeat(300), account: 'acct' });
      expect(await s.get(name)).toBe(keyValue(3));
      expect(emu.admin.versions(name)[0]?.tags?.locator).toHaveLength(256);
    });

    it('stores a value over the 25,600-byte limit in parts and reads it back whole', async () => {
      const s = store();
      // Multi-byte characters and surrogate pairs, so parts are cut by bytes, not characters.
      const value = Array.from({ length: 6_000 }, (_, i) => `k${i}:ü€😀;`).join('');
      expect(Buffer.byteLength(value)).toBeGreaterThan(3 * MAX_SECRET_BYTES);
      await s.put('big-policy', value, { policy: 'fairplay' });
      expect(await s.get('big-policy')).toBe(value);
      expect(await s.has('big-policy')).toBe(true);
      const names = emu.admin.names().filter((n) => n.startsWith('big-policy'));
      expect(names.length).toBeGreaterThanOrEqual(5);
      const index = emu.admin.versions('big-policy')[0];
      expect(index?.contentType).toBe('application/vnd.lifeboat.chunked+json');
      expect(index?.value).not.toContain('😀');
      // A part is missing (a write cut short by hand): a clear error, never a truncated value.
      await sdk().setSecret('torn', JSON.stringify({ parts: 2, sha256: 'x' }), {
        contentType: 'application/vnd.lifeboat.chunked+json',
      });
      await expect(s.get('torn')).rejects.toThrow('secret "torn": part 1 of 2 is missing');
    });

    it('refuses a value beyond what parts can hold with a clear error that does not contain it, sending nothing', async () => {
      const s = store();
      const value = 'S3CR3T'.repeat(60_000);
      emu.admin.resetCounts();
      const error = await s.put('oversized', value).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretStoreError);
      expect((error as Error).message).toMatch(
        /360000 characters; this store keeps at most 320000/,
      );
      expect(inspect(error)).not.toContain('S3CR3T');
      expect(emu.admin.requestCounts().total).toBe(0);
    });

    it('reports a service error without the value, the request or the SDK error', async () => {
      const s = store({ retryOptions: { maxRetries: 1, retryDelayInMs: 5 } });
      const value = keyValue(42);
      await s.put('conflicted', 'old');
      await sdk()
        .beginDeleteSecret('conflicted')
        .then((p) => p.pollUntilDone());
      const conflict = await s.put('conflicted', value).catch((e: unknown) => e);
      expect(conflict).toMatchObject({ statusCode: 409, code: 'Conflict' });
      emu.admin.addFault({ operation: 'setSecret', status: 500 });
      const failed = await s.put('fails', value).catch((e: unknown) => e);
      emu.admin.addFault({ operation: 'getSecret', status: 500 });
      const failedGet = await s.get('fails').catch((e: unknown) => e);
      for (const error of [conflict, failed, failedGet]) {
        expect(error).toBeInstanceOf(SecretStoreError);
        const shown = `${inspect(error, { depth: 10 })} ${JSON.stringify(error)}`;
        expect(shown).not.toContain(value);
        expect((error as { cause?: unknown }).cause).toBeUndefined();
      }
      expect(failed).toMatchObject({ statusCode: 500 });
      expect(String(failedGet)).toMatch(/Key Vault get of secret "fails" failed \(HTTP 500/);
    });

    it('waits out Retry-After on a 429 instead of retrying into the limit', async () => {
      emu.admin.setBudget({ limit: 1, windowMs: 2_000 });
      const s = store();
      await s.put('paced-a', keyValue(1));
      const started = Date.now();
      await s.put('paced-b', keyValue(2));
      const waited = Date.now() - started;
      // Retry-After: 2 (the window's remainder, rounded up); exponential backoff would retry
      // within about a second and meet a second 429.
      expect(waited).toBeGreaterThanOrEqual(1_500);
      expect(emu.admin.requestCounts().byOperation.setSecret?.[429]).toBe(1);
      expect(emu.admin.versions('paced-b').map((v) => v.value)).toEqual([keyValue(2)]);
    });

    it('lands 300 concurrent puts under a tight throttle, with 503s and dropped connections', async () => {
      emu.admin.setBudget({ limit: 50, windowMs: 1_000 });
      emu.admin.addFault({ operation: 'setSecret', status: 503, count: 10 });
      emu.admin.addFault({ operation: 'setSecret', drop: true, count: 3, skip: 40 });
      const s = store({ retryOptions: { retryDelayInMs: 20, maxRetryDelayInMs: 200 } });
      const names = Array.from({ length: 300 }, (_, i) => secretName('bulk', String(i)));
      await Promise.all(names.map((n, i) => s.put(n, keyValue(i))));
      for (const [i, n] of names.entries())
        expect(emu.admin.versions(n).at(-1)?.value).toBe(keyValue(i));
      const counts = emu.admin.requestCounts().byOperation.setSecret ?? {};
      expect(counts[429]).toBeGreaterThan(100);
      expect(counts[503]).toBe(10);
      expect(counts[0]).toBe(3);
      // One challenge for the store, not one per concurrent first request.
      expect(counts[401]).toBe(1);
      // A retried write may land twice (an answer lost with its connection): same value, newer version.
      expect(counts[200]).toBeGreaterThanOrEqual(300);
    }, 60_000);

    it("loses writes under the same throttle with the SDK's default three retries", async () => {
      emu.admin.setBudget({ limit: 50, windowMs: 1_000 });
      const s = store({ retryOptions: { maxRetries: 3 } });
      const names = Array.from({ length: 300 }, (_, i) => secretName('default-retries', String(i)));
      const results = await Promise.allSettled(names.map((n, i) => s.put(n, keyValue(i))));
      const rejected = results.filter((r) => r.status === 'rejected');
      expect(rejected.length).toBeGreaterThan(0);
      expect(rejected[0]).toMatchObject({ reason: { statusCode: 429, code: 'Throttled' } });
    }, 60_000);
  });

  describe('createSecretStore', () => {
    it('picks Key Vault when keyVaultUrl is set, else the local folder', async () => {
      const localSecretsDir = await mkdtemp(join(tmpdir(), 'kv-select-'));
      const config = loadConfig({
        LIFEBOAT_STORAGE: 'UseDevelopmentStorage=true',
        LIFEBOAT_KEY_VAULT_URL: `${emu.vaultUrl}/`,
        LIFEBOAT_LOCAL_SECRETS_DIR: localSecretsDir,
      });
      const kv = createSecretStore(config, {
        credential: emu.credential,
        clientOptions: emu.clientOptions,
      });
      expect(kv).toBeInstanceOf(KeyVaultSecretStore);
      await kv.put('selected', keyValue(7));
      expect(emu.admin.versions('selected').map((v) => v.value)).toEqual([keyValue(7)]);
      expect(await readdir(localSecretsDir)).toEqual([]);
      expect(createSecretStore({ localSecretsDir })).toBeInstanceOf(LocalSecretStore);
    });
  });
});
