import { serve, type ServeHandle } from '../../local/serve';
import { parseServeArgs } from '../../local/serve-args';
import { accountInstanceId } from '../../shared/pipeline/instance-id';
import { FakeDurableClient } from './support/fake-client';
import { accountArmId, SUB, testServices } from './support/services';

/**
 * The `serve` adapter over real HTTP: routing, function keys, size limits and the host webhooks,
 * calling the same handlers the Functions host calls. (The end-to-end run over the local durable
 * runtime is in serve-e2e.test.ts.)
 */
describe('ams-lifeboat serve (HTTP adapter)', () => {
  const client = new FakeDurableClient();
  const { services, blobs } = testServices({
    client,
    env: { LIFEBOAT_SUBSCRIPTIONS: SUB },
    listAccounts: async () => [
      { accountId: accountArmId('served'), deleted: false, storageAccounts: ['servedmedia'] },
    ],
  });
  let server: ServeHandle;
  beforeAll(async () => {
    server = await serve({
      services: () => services,
      keys: ['test-key-1'],
      corsOrigins: ['http://portal.test'],
    });
  });
  afterAll(() => server.close());

  const api = (path: string, init: RequestInit & { key?: string | null } = {}) => {
    const headers = new Headers(init.headers);
    if (init.key !== null) headers.set('x-functions-key', init.key ?? server.key);
    return fetch(`${server.url}${path}`, { ...init, headers });
  };
  const start = (body: string, key?: string | null) =>
    api('/api/migrations', {
      method: 'POST',
      body,
      key,
      headers: { 'content-type': 'application/json' },
    });

  it('refuses calls without a valid key, and serves the OpenAPI document without one', async () => {
    const none = await start('{}', null);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { error: { message: string } }).error.message).toMatch(
      /function key is required/,
    );
    expect((await start('{}', 'wrong')).status).toBe(401);
    const doc = await fetch(`${server.url}/api/openapi.json`);
    expect(doc.status).toBe(200);
    expect(((await doc.json()) as { servers: Array<{ url: string }> }).servers[0]?.url).toBe(
      server.url,
    );
  });

  it('answers bad input with the right 4xx and keeps working', async () => {
    expect((await start('{"targets": [')).status).toBe(400);
    const big = await start(JSON.stringify({ pad: 'x'.repeat(200_000) }));
    expect(big.status).toBe(413);
    const badId = await api('/api/migrations/not-an-id');
    expect(badId.status).toBe(400);
    const unknown = await api(`/api/migrations/${accountInstanceId(accountArmId('nobody'))}`);
    expect(unknown.status).toBe(404);
    expect((await api('/api/nothing/here')).status).toBe(404);

    const ok = await start(
      JSON.stringify({ accountId: accountArmId('served'), targets: ['static'] }),
    );
    expect(ok.status).toBe(202);
    const location = ok.headers.get('location') ?? '';
    expect(location.startsWith(`${server.url}/api/migrations/`)).toBe(true);
    const status = await api(new URL(location).pathname + '?code=' + server.key, { key: null });
    expect(status.status).toBe(200);
    expect(await status.json()).toMatchObject({
      id: accountInstanceId(accountArmId('served')),
      runtimeStatus: 'Pending',
    });
  });

  it('runs the sweep on demand and takes Event Grid deliveries', async () => {
    const sweep = await api('/admin/functions/migrationSweep', { method: 'POST', body: '{}' });
    expect(sweep.status).toBe(202);
    expect(await sweep.json()).toMatchObject({ result: { found: 1, alreadyRunning: 1 } });

    const validation = await api('/runtime/webhooks/eventgrid?functionName=assetBlobCreated', {
      method: 'POST',
      body: JSON.stringify([
        {
          id: 'v1',
          eventType: 'Microsoft.EventGrid.SubscriptionValidationEvent',
          subject: '',
          data: { validationCode: 'abc' },
        },
      ]),
    });
    expect(await validation.json()).toEqual({ validationResponse: 'abc' });

    client.set(accountInstanceId(accountArmId('served')), { runtimeStatus: 'Running' });
    const before = client.events.length;
    const events = Array.from({ length: 5 }, (_, i) => ({
      id: `served-${i}`,
      eventType: 'Microsoft.Storage.BlobCreated',
      subject: `/blobServices/default/containers/asset-5/blobs/f${i}.mp4`,
      topic: `/subscriptions/${SUB}/resourceGroups/media/providers/Microsoft.Storage/storageAccounts/servedmedia`,
      eventTime: new Date(Date.UTC(2025, 0, 1, 0, 0, i)).toISOString(),
      data: {},
    }));
    const delivered = await api('/runtime/webhooks/eventgrid?functionName=assetBlobCreated', {
      method: 'POST',
      body: JSON.stringify(events),
    });
    expect(delivered.status).toBe(200);
    expect(client.events.slice(before).filter((e) => e.eventName === 'assetsAdded')).toHaveLength(
      1,
    );

    const container = blobs.getContainerClient('migration-requests');
    await container.createIfNotExists();
    const file = JSON.stringify([{ accountId: accountArmId('fromfile'), targets: ['mkio'] }]);
    await container.getBlockBlobClient('served.json').upload(file, file.length);
    const requested = await api(
      '/runtime/webhooks/eventgrid?functionName=Host.Functions.migrationRequestFile',
      {
        method: 'POST',
        body: JSON.stringify([
          {
            id: 'file-1',
            eventType: 'Microsoft.Storage.BlobCreated',
            subject: '/blobServices/default/containers/migration-requests/blobs/served.json',
            eventTime: new Date().toISOString(),
            data: {},
          },
        ]),
      },
    );
    expect(requested.status).toBe(200);
    expect(
      client.started.some((s) => s.instanceId === accountInstanceId(accountArmId('fromfile'))),
    ).toBe(true);
  });

  it('answers the CORS preflight of a browser portal for allowed origins only', async () => {
    const preflight = await fetch(`${server.url}/api/migrations`, {
      method: 'OPTIONS',
      headers: { origin: 'http://portal.test', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://portal.test');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/x-functions-key/);
    const other = await api('/api/migrations', { headers: { origin: 'http://evil.test' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('reads its command-line options', () => {
    expect(
      parseServeArgs(['--port', '7071', '--key', 'k1', '--cors', 'http://a', '--key', 'k2']),
    ).toEqual({
      port: 7071,
      keys: ['k1', 'k2'],
      corsOrigins: ['http://a'],
      emulator: false,
    });
    expect(parseServeArgs(['--emulator', '--seed', 's.json'])).toMatchObject({
      emulator: true,
      seed: 's.json',
    });
    expect(() => parseServeArgs(['--seed', 's.json'])).toThrow(/--seed needs --emulator/);
    expect(() => parseServeArgs(['--port', 'x'])).toThrow(/--port must be a port number/);
    expect(() => parseServeArgs(['--verbose'])).toThrow(/unknown option "--verbose"/);
  });
});
