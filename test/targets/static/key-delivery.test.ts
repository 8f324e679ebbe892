import { randomUUID } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalSecretStore } from '../../../shared/secrets/local-secret-store';
import {
  deliverClearKeyLicense,
  deliverKey,
  issueKeyToken,
} from '../../../shared/targets/static/key-delivery';
import { outputKeySecretName } from '../../../shared/targets/static/static-target';
import {
  parseStaticBatchInput,
  runStaticBatchActivity,
} from '../../../shared/targets/static/activity';
import { registry } from '../../../functions/registry';
import { AZURITE_ACCOUNT } from '../../../local/azurite';
import { uniqueName } from '../../support/storage';
import { asset, locator, makeDeps, outputOptions, uploadFixture } from './helpers';

describe('key delivery', () => {
  const keyId = '00112233445566778899aabbccddeeff';
  const key = Buffer.from('0f0e0d0c0b0a09080706050403020100', 'hex');
  let now = Date.parse('2026-01-01T00:00:00Z');
  const clock = { now: () => now, sleep: async () => undefined };

  it('gives the key to a player with a valid token and nobody else', async () => {
    const secrets = new LocalSecretStore(await mkdtemp(join(tmpdir(), 'keys-')));
    await secrets.put(
      outputKeySecretName(keyId),
      JSON.stringify({ keyId, key: key.toString('base64') }),
    );
    const token = await issueKeyToken(secrets, keyId, now + 60_000);
    const ok = await deliverKey(keyId.toUpperCase(), token, { secrets, clock });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual(key);
    expect(ok.headers['Cache-Control']).toMatch(/no-store/);

    expect((await deliverKey(keyId, undefined, { secrets, clock })).status).toBe(401);
    expect((await deliverKey('nothex', token, { secrets, clock })).status).toBe(400);
    expect((await deliverKey(keyId, `${token}x`, { secrets, clock })).status).toBe(403);
    expect((await deliverKey(keyId, 'a.b.c', { secrets, clock })).status).toBe(403);
    const other = await issueKeyToken(secrets, 'ffeeddccbbaa99887766554433221100', now + 60_000);
    expect((await deliverKey(keyId, other, { secrets, clock })).body).toBe(
      'the token is for another key',
    );
    const any = await issueKeyToken(secrets, '*', now + 60_000);
    expect(
      (await deliverKey('ffeeddccbbaa99887766554433221100', any, { secrets, clock })).status,
    ).toBe(404);

    // DASH players: a W3C Clear Key license for the same key.
    const kid = Buffer.from(keyId, 'hex').toString('base64url');
    const license = await deliverClearKeyLicense({ kids: [kid], type: 'temporary' }, token, {
      secrets,
      clock,
    });
    expect(license.status).toBe(200);
    expect(JSON.parse(String(license.body))).toEqual({
      keys: [{ kty: 'oct', kid, k: key.toString('base64url') }],
      type: 'temporary',
    });
    expect((await deliverClearKeyLicense({ kids: [kid] }, other, { secrets, clock })).status).toBe(
      403,
    );
    expect((await deliverClearKeyLicense({ nope: 1 }, token, { secrets, clock })).status).toBe(400);

    now += 120_000;
    expect((await deliverKey(keyId, token, { secrets, clock })).body).toBe('the token has expired');
  });
});

describe('static batch activity', () => {
  it('is registered and validates its input', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('../../../functions/activities/targets');
    expect(registry.activities.has('migrateAssetsBatch')).toBe(true);
    expect(() => parseStaticBatchInput(null)).toThrow(/must be an object/);
    expect(() => parseStaticBatchInput({ assets: [{ accountId: 'a' }], options: {} })).toThrow(
      /assets\[0\]\.assetName/,
    );
  });

  it('migrates a batch and counts the outcomes', async () => {
    const deps = await makeDeps();
    const container = uniqueName('asset-');
    await uploadFixture(deps.mediaStorage.container(AZURITE_ACCOUNT, container), 'encoder');
    const output = await runStaticBatchActivity(
      {
        assets: [
          asset({ assetName: 'ok', container, locators: [locator(randomUUID())] }),
          asset({ assetName: 'gone', container: uniqueName('asset-') }),
        ],
        options: outputOptions(uniqueName('out')),
      },
      deps,
    );
    expect(output).toMatchObject({ done: 1, skipped: 1, failed: 0 });
    expect(output.results.map((r) => r.assetName)).toEqual(['ok', 'gone']);
  });
});
