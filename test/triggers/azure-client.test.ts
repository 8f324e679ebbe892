import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  HttpRequest,
  InvocationContext,
  type EventGridEvent,
  type EventGridHandler,
  type FunctionInput,
  type HttpHandler,
  type Timer,
  type TimerHandler,
} from '@azure/functions';
import * as df from 'durable-functions';
import type { AmsEmulatorHandle } from '../../emulators/ams';
import { azureServicesFor, registerTriggers, type AppRegistrar } from '../../functions/triggers';
import { startDurableHttpApi, type DurableHttpApi } from '../../local/durable-http-api';
import { startLocalHost, type LocalHost } from '../../local/host';
import { EventType } from '../../local/runtime/wire';
import { systemClock } from '../../shared/clock';
import { loadConfig, type LifeboatConfig } from '../../shared/config';
import { formatAccountId } from '../../shared/account-id';
import { EventNames, OrchestrationNames } from '../../shared/pipeline/contracts';
import { LocalSecretStore } from '../../shared/secrets';
import { connectionStringMediaStorage } from '../../shared/storage/media-storage';
import { accountInstanceId } from '../../shared/pipeline/instance-id';
import { startTestEmulator } from '../support/ams-emulator';
import { testStorageConnectionString, uniqueName } from '../support/storage';
import { expectDocumented } from './support/openapi-check';
import { startsOf } from './support/runtime';

/**
 * The Azure side of the triggers without Azure: the handlers exactly as `registerTriggers` gives
 * them to the Functions host, their services from the real `azureServicesFor`, and the real
 * durable-functions `DurableClient` that `df.getClient(context)` builds from the `durableClient`
 * binding data, talking HTTP to the Durable extension's API, here served over the local runtime
 * (local/durable-http-api.ts). The app's own orchestration runs on real time against the AMS
 * emulator, with approval required so it parks where the test can talk to it.
 */

const SUB = '00000000-0000-0000-0000-0000000a2c11';
const GROUP = 'media';
const accountA = formatAccountId({
  subscriptionId: SUB,
  resourceGroup: GROUP,
  accountName: 'azcla',
});
const accountB = formatAccountId({
  subscriptionId: SUB,
  resourceGroup: GROUP,
  accountName: 'azclb',
});
const idA = accountInstanceId(accountA);
const idB = accountInstanceId(accountB);
const DAY = 86_400_000;

interface Registered {
  kind: string;
  options: { handler: unknown; extraInputs?: FunctionInput[] };
}

/** The bindings and handlers `registerTriggers` hands the host, captured in place of `app`. */
function recordRegistrations(
  config: LifeboatConfig,
  servicesFor: ReturnType<typeof azureServicesFor>,
) {
  const registered = new Map<string, Registered>();
  const capture =
    (kind: string) =>
    (name: string, options: object): void => {
      registered.set(name, { kind, options: options as Registered['options'] });
    };
  const registrar: AppRegistrar = {
    http: capture('http'),
    timer: capture('timer'),
    eventGrid: capture('eventGrid'),
    storageBlob: capture('storageBlob'),
  };
  registerTriggers(registrar, config, servicesFor);
  return registered;
}

describe('trigger handlers through the real DurableClient and azureServicesFor', () => {
  const connection = testStorageConnectionString();
  let emulator: AmsEmulatorHandle;
  let host: LocalHost;
  let api: DurableHttpApi;
  let secretsDir: string;
  let registered: Map<string, Registered>;
  const logs: string[] = [];

  beforeAll(async () => {
    const now = Date.now();
    const generate = {
      assets: 3,
      realMediaAssets: 0,
      mix: { clear: 0.34, aes: 0.33, drm: 0.33 },
      liveEvents: 0,
      streamingEndpoints: 1,
      accountFilters: 0,
      assetFilterEvery: 0,
      awkwardNames: false,
    };
    emulator = await startTestEmulator({
      clock: systemClock,
      seed: {
        accounts: ['azcla', 'azclb'].map((name) => ({
          subscriptionId: SUB,
          resourceGroup: GROUP,
          name,
          retirementDate: new Date(now + 60 * DAY).toISOString(),
          storageAccounts: [`${name}store`],
          generate,
        })),
      },
    });
    const config = loadConfig({
      LIFEBOAT_STORAGE: connection,
      LIFEBOAT_LEDGER_TABLE: uniqueName('ledger'),
      LIFEBOAT_OUTPUT_CONTAINER: uniqueName('out'),
      LIFEBOAT_ARM_ENDPOINT: emulator.armEndpoint,
      LIFEBOAT_SUBSCRIPTIONS: SUB,
      LIFEBOAT_REQUIRE_APPROVAL: 'true',
      LIFEBOAT_KEY_BUDGET_PER_HOUR: '3600000',
    });
    secretsDir = await mkdtemp(join(tmpdir(), 'lifeboat-azclient-secrets-'));
    host = await startLocalHost({
      config,
      store: 'memory',
      arm: {
        endpoint: emulator.armEndpoint,
        credential: emulator.credential,
        caCert: emulator.caCert,
      },
      overrides: {
        secrets: new LocalSecretStore(secretsDir),
        mediaStorage: connectionStringMediaStorage({
          azclastore: connection,
          azclbstore: connection,
        }),
        retry: { baseBackoffMs: 200, maxBackoffMs: 2_000 },
      },
      log: (line) => logs.push(line),
    });
    api = await startDurableHttpApi({ runtime: host.runtime, taskHub: config.taskHub });
    registered = recordRegistrations(
      config,
      azureServicesFor(config, { credential: emulator.credential, armCaCert: emulator.caCert }),
    );
  }, 60_000);

  afterAll(async () => {
    await api?.close();
    await host?.stop();
    await emulator?.stop();
    if (secretsDir) await rm(secretsDir, { recursive: true, force: true });
  });

  /** An InvocationContext as the worker builds it: the function's inputs, the client's binding data. */
  function contextFor(name: string): InvocationContext {
    const extraInputs = registered.get(name)?.options.extraInputs ?? [];
    const context = new InvocationContext({
      functionName: name,
      invocationId: randomUUID(),
      options: { extraInputs },
      logHandler: (level, ...args) => logs.push(`${level} ${name}: ${args.map(String).join(' ')}`),
    });
    const clientInput = extraInputs.find((i) => i.type === 'durableClient');
    // The extension sends the binding data as a JSON string; the worker parses it.
    if (clientInput)
      context.extraInputs.set(clientInput, JSON.parse(JSON.stringify(api.bindingData())));
    return context;
  }

  async function http(
    name: string,
    path: string,
    init: { method?: string; params?: Record<string, string>; body?: unknown } = {},
  ) {
    const fn = registered.get(name);
    if (fn?.kind !== 'http') throw new Error(`no http function ${name}`);
    const request = new HttpRequest({
      method: init.method ?? 'GET',
      url: `https://lifeboat.azurewebsites.net/api/${path}`,
      headers: init.body === undefined ? {} : { 'content-type': 'application/json' },
      params: init.params ?? {},
      query: {},
      ...(init.body === undefined ? {} : { body: { string: JSON.stringify(init.body) } }),
    });
    const response = await (fn.options.handler as HttpHandler)(request, contextFor(name));
    const status = response.status ?? 200;
    const text = typeof response.body === 'string' ? response.body : '';
    const json = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    expectDocumented(name, status, json);
    return { status, json };
  }

  /** Runs the timer function as the host would; its summary is what it logs. */
  async function sweep(): Promise<Record<string, number | string>> {
    const fn = registered.get('migrationSweep');
    if (fn?.kind !== 'timer') throw new Error('no timer function migrationSweep');
    const now = new Date().toISOString();
    const timer: Timer = {
      isPastDue: false,
      schedule: { adjustForDST: true },
      scheduleStatus: { last: now, next: now, lastUpdated: now },
    };
    const before = logs.length;
    await (fn.options.handler as TimerHandler)(timer, contextFor('migrationSweep'));
    const line = logs.slice(before).find((l) => l.includes('migrationSweep: sweep '));
    const match = /sweep (\S+): (.*)$/.exec(line ?? '');
    if (!match) throw new Error(`the sweep logged no summary: ${logs.slice(before).join('\n')}`);
    const summary: Record<string, number | string> = { sweepId: match[1] ?? '' };
    for (const part of (match[2] ?? '').split(', ')) {
      const count = /^(.*) (\d+)$/.exec(part);
      if (count)
        summary[(count[1] ?? '').replace(/ (\w)/g, (_m, c: string) => c.toUpperCase())] = Number(
          count[2],
        );
    }
    return summary;
  }

  const record = (id: string) => host.runtime.getRecord(id);
  const customStatus = async (id: string) =>
    JSON.parse((await record(id))?.customStatus ?? '{}') as Record<string, unknown>;
  const raised = async (id: string, name: string) =>
    ((await host.runtime.getHistory(id)) ?? []).filter(
      (e) => e.EventType === EventType.EventRaised && e.Name === name,
    ).length;

  async function until<T>(what: string, probe: () => Promise<T | undefined | false>) {
    const deadline = Date.now() + 45_000;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline)
        throw new Error(`timed out waiting for ${what}; log: ${logs.join('\n')}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('POST /api/migrations starts the account orchestration once; a second POST finds it', async () => {
    const first = await http('startMigration', 'migrations', {
      method: 'POST',
      body: { accountId: accountA, targets: [] },
    });
    expect(first.status).toBe(202);
    expect(first.json).toMatchObject({ id: idA, outcome: 'started', created: true });
    expect((await record(idA))?.name).toBe(OrchestrationNames.accountMigration);
    expect(api.calls.get('POST orchestrators')).toBe(1);

    const again = await http('startMigration', 'migrations', {
      method: 'POST',
      body: { accountId: accountA, targets: ['static'] },
    });
    expect(again.status).toBe(202);
    expect(again.json).toMatchObject({ id: idA, outcome: 'already-running', created: false });
    expect(api.calls.get('POST orchestrators')).toBe(1);
    expect(await startsOf(host.runtime, idA)).toBe(1);
    expect((await host.runtime.client.getStatusBy({})).map((s) => s.instanceId)).toEqual([idA]);
  });

  it('reads status through the DurableClient: GET /api/migrations and /{id}', async () => {
    await until('the approval phase', async () => (await customStatus(idA)).phase === 'approval');
    const detail = await http('getMigration', `migrations/${idA}`, { params: { id: idA } });
    expect(detail.status).toBe(200);
    const live = await record(idA);
    expect(detail.json).toMatchObject({
      id: idA,
      accountId: accountA.toLowerCase(),
      runtimeStatus: live?.runtimeStatus,
      phase: 'approval',
      approval: 'pending',
      request: { targets: [], requireApproval: true },
      createdAt: new Date(live?.createdTime ?? 0).toISOString().replace(/\.\d{3}Z$/, '.000Z'),
    });
    expect((detail.json.deadlines as Record<string, unknown>).retirementDate).toBeDefined();

    const list = await http('listMigrations', 'migrations');
    expect(list.status).toBe(200);
    expect(list.json).toMatchObject({
      count: 1,
      migrations: [{ id: idA, phase: 'approval', runtimeStatus: live?.runtimeStatus }],
    });

    const unknown = accountInstanceId(
      formatAccountId({ subscriptionId: SUB, resourceGroup: GROUP, accountName: 'nosuch' }),
    );
    const missing = await http('getMigration', `migrations/${unknown}`, {
      params: { id: unknown },
    });
    expect(missing.status).toBe(404);
    const approveMissing = await http('approveMigration', `migrations/${unknown}/approve`, {
      method: 'POST',
      params: { id: unknown },
    });
    expect(approveMissing.status).toBe(404);
    expect(await record(unknown)).toBeUndefined();
  });

  it('answers 404 for an account Resource Manager does not know, through the overridden ARM client', async () => {
    const unknownAccount = formatAccountId({
      subscriptionId: SUB,
      resourceGroup: GROUP,
      accountName: 'nosuch',
    });
    const started = await http('startMigration', 'migrations', {
      method: 'POST',
      body: { accountId: unknownAccount, targets: [] },
    });
    expect(started.status).toBe(404);
    expect(await record(accountInstanceId(unknownAccount))).toBeUndefined();
  });

  it('the sweep timer starts the other account and wakes the running one, twice without duplicates', async () => {
    const first = await sweep();
    expect(first).toMatchObject({ found: 2, started: 1, alreadyRunning: 1, failed: 0 });
    await until('assetsAdded in A', async () => (await raised(idA, EventNames.assetsAdded)) === 1);
    expect((await record(idB))?.name).toBe(OrchestrationNames.accountMigration);

    const second = await sweep();
    expect(second).toMatchObject({ found: 2, started: 0, alreadyRunning: 2, failed: 0 });
    expect(await startsOf(host.runtime, idA)).toBe(1);
    expect(await startsOf(host.runtime, idB)).toBe(1);
    expect(second.sweepId).not.toBe(first.sweepId);
  });

  it('approve and cancel raise events the orchestration receives; a finished one answers 409', async () => {
    const approved = await http('approveMigration', `migrations/${idA}/approve`, {
      method: 'POST',
      params: { id: idA },
      body: { reason: 'go' },
    });
    expect(approved.status).toBe(202);
    await until(
      'the approval to be taken',
      async () => (await customStatus(idA)).approval === 'approved',
    );
    expect(await raised(idA, EventNames.approve)).toBe(1);

    const cancelled = await http('cancelMigration', `migrations/${idA}/cancel`, {
      method: 'POST',
      params: { id: idA },
    });
    expect(cancelled.status).toBe(202);
    const done = await host.runtime.waitForCompletion(idA);
    expect(done.runtimeStatus).toBe('Completed');
    expect(JSON.parse(done.output ?? '{}')).toMatchObject({ outcome: 'cancelled' });
    expect(await raised(idA, EventNames.cancel)).toBe(1);

    const detail = await http('getMigration', `migrations/${idA}`, { params: { id: idA } });
    expect(detail.json).toMatchObject({ runtimeStatus: 'Completed', outcome: 'cancelled' });
    const again = await http('cancelMigration', `migrations/${idA}/cancel`, {
      method: 'POST',
      params: { id: idA },
    });
    expect(again.status).toBe(409);
    expect(String((again.json.error as Record<string, unknown>).message)).toMatch(/completed/);
    expect(await raised(idA, EventNames.cancel)).toBe(1);
    // B is still waiting for its approval, untouched.
    expect((await record(idB))?.runtimeStatus).toBe('Running');
  });

  it('a burst of Event Grid blob events, each delivered twice, wakes the running account once', async () => {
    const fn = registered.get('assetBlobCreated');
    if (fn?.kind !== 'eventGrid') throw new Error('no Event Grid function assetBlobCreated');
    const before = await raised(idB, EventNames.assetsAdded);
    const raisesBefore = api.calls.get('POST instances/{id}/raiseEvent') ?? 0;
    const start = Date.now();
    const events: EventGridEvent[] = Array.from({ length: 10 }, (_, i) => ({
      id: randomUUID(),
      topic: `/subscriptions/${SUB}/resourceGroups/${GROUP}/providers/Microsoft.Storage/storageAccounts/azclbstore`,
      subject: `/blobServices/default/containers/asset-new/blobs/video_${i}.mp4`,
      eventType: 'Microsoft.Storage.BlobCreated',
      eventTime: new Date(start + i * 1000).toISOString(),
      data: {
        api: 'PutBlob',
        url: `https://azclbstore.blob.core.windows.net/asset-new/video_${i}.mp4`,
      },
      dataVersion: '',
      metadataVersion: '1',
    }));
    const handler = fn.options.handler as EventGridHandler;
    await Promise.all(
      [...events, ...events].map((event) => handler(event, contextFor('assetBlobCreated'))),
    );
    await until(
      'assetsAdded in B',
      async () => (await raised(idB, EventNames.assetsAdded)) === before + 1,
    );
    // Every delivery has been handled: one event was raised through the extension API.
    expect(api.calls.get('POST instances/{id}/raiseEvent')).toBe(raisesBefore + 1);
  });

  it('went through the extension API for every client call', () => {
    expect(Object.fromEntries(api.calls)).toMatchObject({
      'POST orchestrators': 2,
      // sweep one wakes A; sweep two wakes A and B; approve and cancel; one blob-event burst.
      'POST instances/{id}/raiseEvent': 6,
    });
    expect(api.calls.get('GET instances/{id}')).toBeGreaterThan(5);
    expect(api.calls.get('GET instances')).toBe(1);
  });

  it('answers as the Durable extension does', async () => {
    const rpc = api.rpcBaseUrl;
    const call = async (path: string, init: RequestInit = {}) => {
      const response = await fetch(`${rpc}${path}`, init);
      const text = await response.text();
      return { status: response.status, headers: response.headers, text };
    };
    const post = (path: string, body?: string, type = 'application/json') =>
      call(path, { method: 'POST', headers: { 'content-type': type }, body });

    // A second start of a running instance: 409, the duplicate refused.
    const duplicate = await post(
      `orchestrators/${OrchestrationNames.accountMigration}/${idB}`,
      '{}',
    );
    expect(duplicate.status).toBe(409);
    expect(JSON.parse(duplicate.text)).toMatchObject({
      Message: expect.stringMatching(/already exists/),
    });
    expect(await startsOf(host.runtime, idB)).toBe(1);

    // Status: 202 with Location while it runs, 200 when finished, 404 (no body) when unknown.
    const running = await call(`instances/${idB}?showInput=false`);
    expect(running.status).toBe(202);
    expect(running.headers.get('location')).toBe(`${rpc}instances/${idB}?showInput=false`);
    expect(running.headers.get('retry-after')).toBe('5');
    expect(JSON.parse(running.text)).toMatchObject({ instanceId: idB, input: null });
    const finished = await call(`instances/${idA}`);
    expect(finished.status).toBe(200);
    const payload = JSON.parse(finished.text) as Record<string, unknown>;
    expect(Object.keys(payload).sort()).toEqual([
      'createdTime',
      'customStatus',
      'input',
      'instanceId',
      'lastUpdatedTime',
      'name',
      'output',
      'runtimeStatus',
    ]);
    expect(payload.createdTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(payload.input).toMatchObject({ accountId: accountA.toLowerCase() });
    const withHistory = JSON.parse((await call(`instances/${idA}?showHistory=true`)).text) as {
      historyEvents: Array<Record<string, unknown>>;
    };
    expect(withHistory.historyEvents[0]).toMatchObject({ EventType: 'ExecutionStarted' });
    expect(withHistory.historyEvents[0]).not.toHaveProperty('Input');
    expect(
      withHistory.historyEvents.filter((e) => e.EventType === 'EventRaised').map((e) => e.Name),
    ).toEqual(expect.arrayContaining([EventNames.approve, EventNames.cancel]));
    const unknown = await call('instances/ams~nosuch');
    expect(unknown).toMatchObject({ status: 404, text: '' });

    // Events: 410 once finished, 404 unknown, 400 for other media types; none reaches history.
    expect((await post(`instances/${idA}/raiseEvent/probe`, '{}')).status).toBe(410);
    expect((await post('instances/ams~nosuch/raiseEvent/probe', '{}')).status).toBe(404);
    expect((await post(`instances/${idB}/raiseEvent/probe`, 'x', 'text/plain')).status).toBe(400);
    expect((await post(`instances/${idB}/raiseEvent/probe`, '{bad')).status).toBe(400);
    expect(await raised(idB, 'probe')).toBe(0);
    // Terminate a finished one: 410; purge a running one: 412.
    expect((await post(`instances/${idA}/terminate?reason=x`)).status).toBe(410);
    expect((await call(`instances/${idB}`, { method: 'DELETE' })).status).toBe(412);

    // A start: 202 with the management links, Location and Retry-After. An orchestration the
    // host does not know fails; its status is 200, or 500 when asked to.
    const started = await post('orchestrators/NoSuchOrchestration/probe-1', '{"a":1}');
    expect(started.status).toBe(202);
    const links = JSON.parse(started.text) as Record<string, string>;
    expect(links).toMatchObject({
      id: 'probe-1',
      statusQueryGetUri: `${api.origin}/runtime/webhooks/durabletask/instances/probe-1?taskHub=lifeboat&connection=Storage`,
    });
    expect(started.headers.get('location')).toBe(links.statusQueryGetUri);
    expect(started.headers.get('retry-after')).toBe('10');
    await until(
      'the unknown orchestration to fail',
      async () => (await record('probe-1'))?.runtimeStatus === 'Failed',
    );
    expect((await fetch(links.statusQueryGetUri ?? '')).status).toBe(200);
    expect((await call('instances/probe-1?returnInternalServerErrorOnFailure=true')).status).toBe(
      500,
    );
    const purged = await call('instances/probe-1', { method: 'DELETE' });
    expect(purged.status).toBe(200);
    expect(JSON.parse(purged.text)).toEqual({ instancesDeleted: 1 });
    expect(await record('probe-1')).toBeUndefined();

    // The real client over the same API: its errors and its ignoring of 410.
    const client = df.getClient(contextFor('getMigration'));
    await expect(client.getStatus('ams~nosuch')).rejects.toThrow(/404/);
    await expect(
      client.startNew(OrchestrationNames.accountMigration, { instanceId: idB, input: {} }),
    ).rejects.toThrow(/409.*already exists/);
    await expect(client.raiseEvent(idA, 'probe', {})).resolves.toBeUndefined();
    expect(await raised(idA, 'probe')).toBe(0);
  });

  it('follows continuation tokens through pages of a query', async () => {
    const paged = await startDurableHttpApi({
      runtime: host.runtime,
      taskHub: 'lifeboat',
      pageSize: 1,
    });
    try {
      const context = contextFor('listMigrations');
      const input = registered.get('listMigrations')?.options.extraInputs?.[0];
      if (input) context.extraInputs.set(input, paged.bindingData());
      const client = df.getClient(context);
      const all = await client.getStatusBy({});
      expect(all.map((s) => s.instanceId).sort()).toEqual([idA, idB].sort());
      expect(paged.calls.get('GET instances')).toBe(2);
      const running = await client.getStatusBy({
        runtimeStatus: [df.OrchestrationRuntimeStatus.Running],
      });
      expect(running.map((s) => s.instanceId)).toEqual([idB]);
    } finally {
      await paged.close();
    }
  });
});
