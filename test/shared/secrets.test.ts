import { mkdtemp, readdir, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSecretStore, secretName } from '../../shared/secrets';
import { describeError, redactSecrets } from '../../shared/telemetry/redact';

describe('secret store', () => {
  it('names secrets deterministically, Key Vault-safe, revealing nothing', () => {
    const name = secretName('content key', '/subscriptions/s/rg/acct', 'locator 1', 'key-id');
    expect(name).toBe(secretName('content key', '/subscriptions/s/rg/acct', 'locator 1', 'key-id'));
    expect(name).toMatch(/^[a-z0-9-]{1,127}$/);
    expect(name).not.toContain('locator');
    expect(secretName('k', 'a', 'bc')).not.toBe(secretName('k', 'ab', 'c'));
  });

  it('keeps secrets in owner-only files and reads them back', async () => {
    const folder = join(await mkdtemp(join(tmpdir(), 'secrets-')), 'store');
    const store = new LocalSecretStore(folder);
    expect(await store.get('ck-1')).toBeUndefined();
    expect(await store.has('ck-1')).toBe(false);
    await store.put('ck-1', 'c2VjcmV0LWtleQ==');
    await store.put('ck-1', 'c2VjcmV0LWtleQ==');
    expect(await store.get('ck-1')).toBe('c2VjcmV0LWtleQ==');
    expect(await store.has('ck-1')).toBe(true);
    expect((await stat(join(folder, 'ck-1'))).mode & 0o077).toBe(0);
    expect(await readdir(folder)).toEqual(['ck-1']);
    await expect(store.put('../escape', 'x')).rejects.toThrow(/invalid secret name/);
  });
});

describe('redaction', () => {
  it.each([
    ['https://a.blob.core.windows.net/c/b?sv=2021&sp=r&sig=abc%2Bdef', 'abc%2Bdef'],
    ['Authorization: Bearer eyJ0eXAiOiJKV1QiLCJhbGc.x.y', 'eyJ0eXAiOiJKV1QiLCJhbGc'],
    ['DefaultEndpointsProtocol=https;AccountName=a;AccountKey=S3cr3tKey==;', 'S3cr3tKey=='],
    ['{"keyId":"k1","value":"AAECAwQFBgcICQoLDA0ODw=="}', 'AAECAwQFBgcICQoLDA0ODw=='],
    ['x-api-key: 0123456789abcdef', '0123456789abcdef'],
  ])('removes the secret from %s', (text, secret) => {
    expect(redactSecrets(text)).not.toContain(secret);
  });

  it('keeps the readable part of an error and bounds its length', () => {
    const error = Object.assign(new Error('throttled '.repeat(300)), {
      statusCode: 429,
      code: 'TooManyRequests',
    });
    const line = describeError(error, 200);
    expect(line.startsWith('HTTP 429 TooManyRequests throttled')).toBe(true);
    expect(line.length).toBe(200);
  });
});
