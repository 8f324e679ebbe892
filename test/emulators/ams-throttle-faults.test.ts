import { request } from 'node:https';
import { AzureMediaServices } from '@azure/arm-mediaservices';
import type { AmsEmulatorHandle } from '../../emulators/ams';
import { emulatorWithClient, RG, SUB } from './support';

let emu: AmsEmulatorHandle;
let client: AzureMediaServices;
const ACCOUNT = 'throttled';

beforeAll(async () => {
  ({ emu, client } = await emulatorWithClient({
    seed: {
      accounts: [
        {
          subscriptionId: SUB,
          resourceGroup: RG,
          name: ACCOUNT,
          generate: { assets: 20, containers: 'none', mix: { clear: 0, aes: 1, drm: 0 } },
        },
      ],
    },
  }));
});
afterAll(() => emu.stop());
/** A client that surfaces 429s and 5xx instead of retrying them (the default client retries). */
const noRetry = () =>
  new AzureMediaServices(emu.credential, SUB, {
    ...emu.clientOptions,
    retryOptions: { maxRetries: 0 },
  });
beforeEach(() => {
  emu.admin.clearRequests();
  emu.admin.clearFaults();
});

test('content-key operations default to 1,200 an hour per account; the budget follows the emulator clock', async () => {
  expect(emu.admin.budgets().contentKeys).toEqual({ limit: 1200, perMs: 3_600_000 });
  // Scale the budget down so the test runs fast: 2 per 4 seconds (a token every 2 s).
  emu.admin.setBudgets({ contentKeys: { limit: 2, perMs: 4_000 } });
  const started = Date.now();
  for (let i = 1; i <= 3; i++)
    await client.streamingLocators.listContentKeys(RG, ACCOUNT, `locator-asset-0${i}`);
  // The third call met a 429 with Retry-After: 2, and the SDK waited and retried on its own.
  const calls = emu.admin.requests({ operation: 'streamingLocators.listContentKeys' });
  expect(calls.map((c) => c.status)).toEqual([200, 200, 429, 200]);
  expect(calls[2]!.retryAfter).toBe(2);
  expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
  // getPolicyPropertiesWithSecrets shares the same budget.
  emu.admin.setBudgets({ contentKeys: { limit: 1, perMs: 3_600_000 } });
  await client.contentKeyPolicies.getPolicyPropertiesWithSecrets(RG, ACCOUNT, 'aes-policy');
  await expect(
    noRetry().contentKeyPolicies.getPolicyPropertiesWithSecrets(RG, ACCOUNT, 'aes-policy'),
  ).rejects.toMatchObject({ statusCode: 429 });
  // Without retries the SDK surfaces the 429; its Retry-After is the hour's refill in seconds.
  const last = emu.admin
    .requests({ operation: 'contentKeyPolicies.getPolicyPropertiesWithSecrets' })
    .at(-1)!;
  expect(last.status).toBe(429);
  expect(last.retryAfter).toBe(3600);
  emu.admin.clock.advance(3_600_000);
  await client.contentKeyPolicies.getPolicyPropertiesWithSecrets(RG, ACCOUNT, 'aes-policy');
  emu.admin.setBudgets({ contentKeys: { limit: 1200, perMs: 3_600_000 } });
});

test('per-subscription read and write budgets answer 429 with Retry-After', async () => {
  emu.admin.setBudgets({
    subscriptionReads: { limit: 1, perMs: 2_000, burst: 3 },
    subscriptionWrites: { limit: 1, perMs: 2_000, burst: 1 },
  });
  try {
    for (let i = 0; i < 4; i++) await client.assets.get(RG, ACCOUNT, 'asset-01');
    const reads = emu.admin.requests({ operation: 'assets.get' }).map((r) => r.status);
    expect(reads.slice(0, 3)).toEqual([200, 200, 200]);
    expect(reads).toContain(429);
    expect(reads.at(-1)).toBe(200);
    await client.assets.update(RG, ACCOUNT, 'asset-01', { description: 'a' });
    await client.assets.update(RG, ACCOUNT, 'asset-01', { description: 'b' });
    expect(emu.admin.requests({ operation: 'assets.update' }).map((r) => r.status)).toEqual([
      200, 429, 200,
    ]);
  } finally {
    emu.admin.setBudgets({
      subscriptionReads: { limit: 25, perMs: 1_000, burst: 250 },
      subscriptionWrites: { limit: 10, perMs: 1_000, burst: 200 },
    });
  }
});

test('faults per operation: 503 and 500 (retried by the SDK), dropped connections, latency', async () => {
  emu.admin.setFaults([{ operation: 'assets.get', status: 503, count: 1 }]);
  expect((await client.assets.get(RG, ACCOUNT, 'asset-02')).name).toBe('asset-02');
  expect(emu.admin.requests({ operation: 'assets.get' }).map((r) => r.status)).toEqual([503, 200]);

  emu.admin.setFaults([{ operation: 'streamingLocators.listPaths', status: 500 }]);
  await expect(
    noRetry().streamingLocators.listPaths(RG, ACCOUNT, 'locator-asset-03'),
  ).rejects.toMatchObject({ statusCode: 500 });

  emu.admin.setFaults([{ operation: 'assets.list', drop: true, count: 1 }]);
  const names = [];
  for await (const a of client.assets.list(RG, ACCOUNT)) names.push(a.name);
  expect(names).toHaveLength(20);
  expect(emu.admin.requests({ operation: 'assets.list' }).map((r) => r.status)).toEqual([0, 200]);

  emu.admin.setFaults([{ operation: 'streamingEndpoints.list', latencyMs: 300 }]);
  const t0 = Date.now();
  for await (const _ of client.streamingEndpoints.list(RG, ACCOUNT)) void _;
  expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  const counts = emu.admin.counts();
  expect(counts['assets.list']).toEqual({ total: 2, byStatus: { dropped: 1, '200': 1 } });
});

test('the admin HTTP API mirrors the in-process admin', async () => {
  const call = async (method: string, path: string, body?: unknown) => {
    return new Promise<{ status: number; json: unknown }>((resolve, reject) => {
      const req = request(
        `${emu.armEndpoint}/admin/${path}`,
        { method, agent: emu.agent, headers: { 'Content-Type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, json: text ? JSON.parse(text) : undefined }),
          );
        },
      );
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  };
  const before = emu.admin.clock.now();
  const moved = await call('POST', 'clock', { advanceMs: 86_400_000 });
  expect((moved.json as { ms: number }).ms).toBeGreaterThanOrEqual(before + 86_400_000);
  expect((await call('POST', 'faults', { operation: 'assets.get', status: 503 })).status).toBe(200);
  expect(emu.admin.faults()).toEqual([
    expect.objectContaining({ operation: 'assets.get', status: 503 }),
  ]);
  expect((await call('POST', 'faults', { operation: 'assets.get', status: 418 })).status).toBe(400);
  expect((await call('DELETE', 'faults')).status).toBe(200);
  expect(
    (await call('PUT', 'budgets', { contentKeys: { limit: 5, perMs: 1000 } })).json,
  ).toMatchObject({ contentKeys: { limit: 5 } });
  await client.assets.get(RG, ACCOUNT, 'asset-01');
  const log = (await call('GET', 'requests?operation=assets.get')).json as { value: unknown[] };
  expect(log.value.length).toBeGreaterThan(0);
  expect(
    ((await call('GET', 'counts')).json as Record<string, unknown>)['assets.get'],
  ).toBeDefined();
  const seeded = await call('POST', 'seed', {
    accounts: [
      { subscriptionId: SUB, resourceGroup: RG, name: 'viahttp', assets: [{ name: 'one' }] },
    ],
  });
  expect(seeded.status).toBe(200);
  expect((await client.assets.get(RG, 'viahttp', 'one')).name).toBe('one');
  expect(
    (
      await call('PUT', `accounts/${SUB}/${RG}/viahttp/retirementDate`, {
        date: '2020-01-01T00:00:00Z',
      })
    ).json,
  ).toMatchObject({ phase: 'deleted' });
  expect((await call('POST', 'seed', { accounts: [{ name: 'x' }] })).status).toBe(400);
  await call('PUT', 'budgets', { contentKeys: { limit: 1200, perMs: 3_600_000 } });
});
