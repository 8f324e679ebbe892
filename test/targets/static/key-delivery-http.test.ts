import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HttpRequest } from '@azure/functions';
// Settings are read at the first request, after the test has set them.
import { clearKeyLicense, keyDelivery } from '../../../functions/key-delivery';
import { LocalSecretStore } from '../../../shared/secrets/local-secret-store';
import { issueKeyToken } from '../../../shared/targets/static/key-delivery';
import { outputKeySecretName } from '../../../shared/targets/static/static-target';
import { testStorageConnectionString } from '../../support/storage';

describe('key-delivery HTTP functions', () => {
  const saved = { ...process.env };
  afterAll(() => {
    process.env = saved;
  });

  it('serve the raw key and a Clear Key license to a token holder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kd-'));
    process.env.LIFEBOAT_STORAGE = testStorageConnectionString();
    process.env.LIFEBOAT_LOCAL_SECRETS_DIR = dir;
    const secrets = new LocalSecretStore(dir);
    const keyId = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf';
    const key = Buffer.alloc(16, 7);
    await secrets.put(
      outputKeySecretName(keyId),
      JSON.stringify({ keyId, key: key.toString('base64') }),
    );
    const token = await issueKeyToken(secrets, keyId, Date.now() + 60_000);

    const get = (headers: Record<string, string>, query = '') =>
      keyDelivery(
        new HttpRequest({
          method: 'GET',
          url: `http://localhost/api/keys/${keyId}${query}`,
          headers,
          params: { keyId },
        }),
      );
    const ok = await get({ authorization: `Bearer ${token}` });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual(key);
    expect((await get({}, `?token=${encodeURIComponent(token)}`)).status).toBe(200);
    expect((await get({})).status).toBe(401);

    const kid = Buffer.from(keyId, 'hex').toString('base64url');
    const license = await clearKeyLicense(
      new HttpRequest({
        method: 'POST',
        url: 'http://localhost/api/clearkey',
        headers: { authorization: `Bearer ${token}` },
        body: { string: JSON.stringify({ kids: [kid] }) },
      }),
    );
    expect(license.status).toBe(200);
    expect(JSON.parse(String(license.body)).keys[0].k).toBe(key.toString('base64url'));
  });
});
