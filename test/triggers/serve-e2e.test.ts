import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AzureMediaServices } from '@azure/arm-mediaservices';
import '../../functions/activities/pipeline';
import '../../functions/account-migration';
import { registry } from '../../functions/registry';
import { startAmsEmulator, type AmsEmulatorHandle } from '../../emulators/ams';
import { DurableRuntime, MemoryStore, VirtualClock } from '../../local/runtime';
import {
  sampleAccountId,
  sampleSeed,
  SAMPLE_STORAGE_ACCOUNT,
  SAMPLE_SUBSCRIPTION,
} from '../../local/sample-account';
import { serveLocal, type LocalServeHandle } from '../../local/serve-host';
import { loadConfig } from '../../shared/config';
import { createDependencies, setDependencies } from '../../shared/pipeline/dependencies';
import { accountInstanceId } from '../../shared/pipeline/instance-id';
import { LocalSecretStore } from '../../shared/secrets';
import { connectionStringMediaStorage } from '../../shared/storage/media-storage';
import { testStorageConnectionString, uniqueName } from '../support/storage';

/**
 * End to end through `serve`: the app's own orchestration and pipeline activities on the local
 * durable runtime on virtual time, against the AMS emulator and Azurite. A portal's calls over
 * HTTP: start, poll until the account's window has passed and the run completes, fetch the
 * report and the URL map. Nothing secret in any answer.
 */
describe('ams-lifeboat serve, end to end on virtual time', () => {
  const start = Date.UTC(2025, 0, 6);
  const clock = new VirtualClock(start);
  const connection = testStorageConnectionString();
  let emulator: AmsEmulatorHandle;
  let runtime: DurableRuntime;
  let server: LocalServeHandle;
  let secretsDir: string;
  const bodies: string[] = [];

  beforeAll(async () => {
    emulator = await startAmsEmulator({
      clock,
      storage: { default: connection },
      lro: { durationMs: 0, retryAfterSeconds: 0 },
      seed: sampleSeed({ now: start, expiresInDays: 10, assets: 12 }),
    });
    const config = loadConfig({
      LIFEBOAT_STORAGE: connection,
      LIFEBOAT_LEDGER_TABLE: uniqueName('ledger'),
      LIFEBOAT_OUTPUT_CONTAINER: uniqueName('out'),
      LIFEBOAT_SUBSCRIPTIONS: SAMPLE_SUBSCRIPTION,
    });
    secretsDir = await mkdtemp(join(tmpdir(), 'lifeboat-e2e-secrets-'));
    const deps = createDependencies(config, {
      clock,
      credential: emulator.credential,
      caCert: emulator.caCert,
      armEndpoint: emulator.armEndpoint,
      secrets: new LocalSecretStore(secretsDir),
      mediaStorage: connectionStringMediaStorage({ [SAMPLE_STORAGE_ACCOUNT]: connection }),
      retry: { baseBackoffMs: 500, maxBackoffMs: 5_000 },
      log: () => undefined,
    });
    setDependencies(deps);
    await deps.ready();
    runtime = new DurableRuntime({
      registry,
      clock,
      store: new MemoryStore(),
      maxConcurrentActivities: 8,
    });
    server = await serveLocal({
      config,
      client: runtime.client,
      clock,
      mediaClient: (sub) =>
        new AzureMediaServices(emulator.credential, sub, emulator.clientOptions),
    });
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await runtime?.stop();
    setDependencies(undefined);
    await emulator?.stop();
    if (secretsDir) await rm(secretsDir, { recursive: true, force: true });
  });

  const api = async (path: string, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    headers.set('x-functions-key', server.key);
    const response = await fetch(`${server.url}${path}`, { ...init, headers });
    const text = await response.text();
    bodies.push(text);
    return { status: response.status, headers: response.headers, text };
  };

  it('starts over HTTP, completes, and serves the report and the URL map', async () => {
    const started = await api('/api/migrations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountId: sampleAccountId(), targets: [], extensionPolicy: 'auto' }),
    });
    expect(started.status).toBe(202);
    const id = accountInstanceId(sampleAccountId());
    expect(JSON.parse(started.text)).toMatchObject({ id, outcome: 'started' });
    const location = new URL(started.headers.get('location') ?? '').pathname;

    // A second start while it runs is answered with the running instance.
    const again = await api('/api/migrations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountId: sampleAccountId(), targets: [] }),
    });
    expect(JSON.parse(again.text)).toMatchObject({ outcome: 'already-running', created: false });

    let detail: Record<string, unknown> = {};
    const phases = new Set<string>();
    const deadline = Date.now() + 220_000;
    for (;;) {
      const polled = await api(location);
      expect(polled.status).toBe(200);
      detail = JSON.parse(polled.text) as Record<string, unknown>;
      if (typeof detail.phase === 'string') phases.add(detail.phase);
      if (!['Pending', 'Running', 'ContinuedAsNew'].includes(String(detail.runtimeStatus))) break;
      if (Date.now() > deadline) throw new Error(`not finished: ${JSON.stringify(detail)}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(detail).toMatchObject({
      runtimeStatus: 'Completed',
      artifacts: { report: true, urlMap: true },
    });
    expect(String(detail.outcome)).toMatch(/^completed/);
    expect((detail.deadlines as Record<string, unknown>).retirementDate).toBeDefined();
    // Virtual time passed the account's whole window (read-only, then deletion 90 days later).
    expect(clock.now() - start).toBeGreaterThan(90 * 86_400_000);

    const html = await api(`${location}/report`, { headers: { accept: 'text/html' } });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.text).toContain('contosomedia');
    const report = await api(`${location}/report?format=json`);
    expect(report.status).toBe(200);
    expect(JSON.parse(report.text)).toBeDefined();

    const csv = await api(`${location}/urlmap`, { headers: { accept: 'text/csv' } });
    expect(csv.status).toBe(200);
    const rows = csv.text.trim().split('\n');
    expect(rows.length).toBeGreaterThan(1);
    expect(csv.text).toContain('.streaming.media.azure.net');
    const json = await api(`${location}/urlmap`, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(200);
    expect(Array.isArray(JSON.parse(json.text)) || typeof JSON.parse(json.text) === 'object').toBe(
      true,
    );

    const list = await api('/api/migrations');
    expect(JSON.parse(list.text)).toMatchObject({
      count: 1,
      migrations: [{ id, runtimeStatus: 'Completed' }],
    });
    // Generous under a loaded CI machine; alone it takes a few seconds.
  }, 240_000);

  it('never puts an exported secret in an answer', async () => {
    const names = await readdir(secretsDir).catch(() => [] as string[]);
    const secrets = (
      await Promise.all(names.map((n) => readFile(join(secretsDir, n), 'utf8')))
    ).flatMap((text) => text.match(/[A-Za-z0-9+/=_-]{16,}/g) ?? []);
    expect(secrets.length).toBeGreaterThan(0);
    const all = bodies.join('\n');
    for (const secret of secrets) expect(all).not.toContain(secret);
  });
});
