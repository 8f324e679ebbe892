import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startAmsEmulator,
  type AmsEmulatorHandle,
  type Fault,
  type SeedAccount,
} from '../../emulators/ams';
import { startLocalHost, type LocalHost } from '../../local/host';
import { VirtualClock } from '../../local/runtime';
import { loadConfig, type LifeboatConfig } from '../../shared/config';
import {
  OrchestrationNames,
  type MigrationRequest,
  type MigrationSummary,
} from '../../shared/pipeline/contracts';
import { accountInstanceId } from '../../shared/pipeline/instance-id';
import { LocalSecretStore } from '../../shared/secrets';
import { connectionStringMediaStorage } from '../../shared/storage/media-storage';
import { testStorageConnectionString, uniqueName } from '../support/storage';

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;
export const START = Date.UTC(2026, 0, 1);
export const SUB = '00000000-0000-0000-0000-00000000cafe';
export const RG = 'media';
export const accountIdOf = (name: string) =>
  `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Media/mediaServices/${name}`;

/**
 * One machine's world for a lifecycle test: the AMS emulator on a virtual clock (seeded, its
 * containers in the test Azurite), and the local host running the app's real orchestration and
 * activities on the same clock with its state in Azurite. Everything a test inspects (logs,
 * secrets, outputs) is collected here.
 */
export interface World {
  clock: VirtualClock;
  emu: AmsEmulatorHandle;
  config: LifeboatConfig;
  host: LocalHost;
  secretsDir: string;
  logs: string[];
  /** Starts a new host on the same state (after a stop): a process that comes back. */
  restart(): Promise<LocalHost>;
  migrate(name: string, request?: Partial<MigrationRequest>): Promise<string>;
  summary(name: string): Promise<MigrationSummary | undefined>;
  customStatus(name: string): Promise<string | undefined>;
  stop(): Promise<void>;
}

export interface WorldOptions {
  accounts: SeedAccount[];
  keyBudgetPerHour?: number;
  /** The emulator's key budget, when it should differ from the pipeline's (429s). */
  emulatorKeyBudgetPerHour?: number;
  faults?: Fault[];
  storageAccounts?: string[];
}

export async function startWorld(options: WorldOptions): Promise<World> {
  const clock = new VirtualClock(START);
  const connection = testStorageConnectionString();
  const budget = options.keyBudgetPerHour ?? 1200;
  const emu = await startAmsEmulator({
    storage: { default: connection },
    lro: { durationMs: 0, retryAfterSeconds: 0 },
    clock,
    seed: { accounts: options.accounts },
    budgets: {
      // A burst lets a few calls through at once (the average rate is the budget).
      contentKeys: { limit: options.emulatorKeyBudgetPerHour ?? budget, perMs: HOUR, burst: 20 },
    },
    faults: options.faults,
    extensionVisibleAfterMs: 0,
  });
  const config = loadConfig({
    LIFEBOAT_STORAGE: connection,
    LIFEBOAT_KEY_BUDGET_PER_HOUR: String(budget),
    LIFEBOAT_LEDGER_TABLE: uniqueName('ledger'),
    LIFEBOAT_OUTPUT_CONTAINER: uniqueName('out'),
    LIFEBOAT_TASK_HUB: uniqueName('hub'),
  });
  const secretsDir = await mkdtemp(join(tmpdir(), 'lifeboat-lifecycle-'));
  const logs: string[] = [];
  const media = Object.fromEntries(
    (options.storageAccounts ?? options.accounts.map((a) => `${a.name}store`)).map((n) => [
      n,
      connection,
    ]),
  );
  const start = () =>
    startLocalHost({
      config,
      clock,
      store: 'table',
      arm: { endpoint: emu.armEndpoint, credential: emu.credential, caCert: emu.caCert },
      overrides: {
        secrets: new LocalSecretStore(secretsDir),
        mediaStorage: connectionStringMediaStorage(media),
        retry: { baseBackoffMs: 500, maxBackoffMs: 5_000 },
        contentKeyBurst: 20,
      },
      log: (line) => logs.push(line),
    });
  const world: World = {
    clock,
    emu,
    config,
    host: await start(),
    secretsDir,
    logs,
    restart: async () => {
      world.host = await start();
      return world.host;
    },
    migrate: (name, request = {}) =>
      world.host.runtime.client.startNew(OrchestrationNames.accountMigration, {
        instanceId: accountInstanceId(accountIdOf(name)),
        input: {
          accountId: accountIdOf(name),
          targets: [],
          extensionPolicy: 'auto',
          keyBudgetPerHour: budget,
          ...request,
        } satisfies MigrationRequest,
      }),
    summary: async (name) => {
      const record = await world.host.runtime.getRecord(accountInstanceId(accountIdOf(name)));
      return record?.output ? (JSON.parse(record.output) as MigrationSummary) : undefined;
    },
    customStatus: async (name) =>
      (await world.host.runtime.getRecord(accountInstanceId(accountIdOf(name))))?.customStatus,
    stop: async () => {
      await world.host.stop();
      await emu.stop();
      await rm(secretsDir, { recursive: true, force: true });
    },
  };
  return world;
}

/** Every secret value the local store holds. */
export async function storedSecrets(folder: string): Promise<string[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  return Promise.all(names.map((n) => readFile(join(folder, n), 'utf8')));
}

/** Every blob of the output container (snapshots, exports, URL maps, reports), as text. */
export async function outputTexts(world: World): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const container = world.host.deps.output;
  for await (const blob of container.listBlobsFlat()) {
    const text = (await container.getBlobClient(blob.name).downloadToBuffer()).toString('utf8');
    out.set(blob.name, text);
  }
  return out;
}

/** Successful content-key calls per locator, from the emulator's request log. */
export function keyCallsByLocator(world: World): Map<string, number> {
  const calls = new Map<string, number>();
  for (const entry of world.emu.admin.requests({
    operation: 'streamingLocators.listContentKeys',
  })) {
    if (entry.status !== 200) continue;
    calls.set(entry.path, (calls.get(entry.path) ?? 0) + 1);
  }
  return calls;
}

/** The seed of one generated account (encrypted locators only unless `clear` is given). */
export function generatedAccount(
  name: string,
  options: {
    retirementDate: number;
    assets: number;
    clear?: number;
    containers?: 'all' | 'real' | 'none';
    realMediaAssets?: number;
  },
): SeedAccount {
  const clear = options.clear ?? 0;
  return {
    subscriptionId: SUB,
    resourceGroup: RG,
    name,
    retirementDate: new Date(options.retirementDate).toISOString(),
    generate: {
      assets: options.assets,
      realMediaAssets: options.realMediaAssets ?? 0,
      containers: options.containers ?? 'none',
      mix: { clear, aes: (1 - clear) / 2, drm: (1 - clear) / 2 },
      locatorsPerAsset: 1,
      assetFilterEvery: 0,
      accountFilters: 1,
      awkwardNames: false,
    },
  };
}

/** Runs the world until nothing can move (virtual time jumps over the whole window). */
export async function runToEnd(world: World): Promise<void> {
  await world.host.runtime.runUntilIdle();
}

/** Ledger rows of one kind for an account. */
export async function ledgerRows(world: World, name: string, kind: string) {
  const rows = [];
  for await (const item of world.host.deps.ledger.list(accountIdOf(name), kind)) rows.push(item);
  return rows;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const SECRET_FIELD = /key|value|pfx|password|ask|secret|token/i;

/**
 * The secret values a secret-store entry holds: the whole text for a raw value, or, for a JSON
 * document (a policy with its secrets), every string under a secret-looking field name (key
 * values, PFX, passwords, ASKs), leaving out ids and enum names that are not secret.
 */
export function secretValues(stored: string): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stored);
  } catch {
    return stored.trim().length >= 8 ? [stored.trim()] : [];
  }
  if (typeof parsed === 'string') return parsed.length >= 8 ? [parsed] : [];
  const out: string[] = [];
  const walk = (value: unknown, field: string) => {
    if (typeof value === 'string') {
      if (
        SECRET_FIELD.test(field) &&
        value.length >= 8 &&
        !GUID.test(value) &&
        !/^[A-Za-z]+$/.test(value)
      )
        out.push(value);
    } else if (Array.isArray(value)) value.forEach((v) => walk(v, field));
    else if (value && typeof value === 'object')
      for (const [k, v] of Object.entries(value)) walk(v, k);
  };
  walk(parsed, '');
  return out;
}

/** Must show (a)'s account: 2,000 encrypted locators (one per asset), expiring at `readOnlyAt`. */
export function fitsAccount(name: string, readOnlyAt: number): SeedAccount {
  return generatedAccount(name, { retirementDate: readOnlyAt, assets: 2_000 });
}

/**
 * Must show (a)'s final result, shared by the run without faults and the run with 10% of the calls
 * failing: completed without the extension; every content key asked for exactly once with success
 * and stored, every policy secret and every path (none derived) exported, all before read-only; the
 * window watched to the end (final snapshot before read-only, deletion warning), URL map and report.
 */
export async function expectSecuredBeforeReadOnly(
  world: World,
  name: string,
  readOnlyAt: number,
  locators = 2_000,
): Promise<void> {
  const summary = await world.summary(name);
  expect(summary?.outcome).toBe('completed');
  expect(summary?.extension.requested).toBe(false);
  expect(summary?.plan?.requestExtension).toBe(false);
  expect(world.emu.admin.requests({ operation: 'mediaservices.update' })).toHaveLength(0);

  const calls = keyCallsByLocator(world);
  expect(calls.size).toBe(locators);
  expect([...calls.values()].filter((n) => n !== 1)).toEqual([]);
  const before = (rows: Array<{ status: string; updatedAt: string }>) =>
    rows.filter((r) => r.status !== 'done' || Date.parse(r.updatedAt) >= readOnlyAt);
  const keys = await ledgerRows(world, name, 'contentKeys');
  expect(keys).toHaveLength(locators);
  expect(before(keys)).toEqual([]);
  expect((await storedSecrets(world.secretsDir)).length).toBeGreaterThanOrEqual(locators);
  const secrets = await ledgerRows(world, name, 'policySecrets');
  expect(secrets.length).toBeGreaterThan(0);
  expect(before(secrets)).toEqual([]);
  const paths = await ledgerRows(world, name, 'paths');
  expect(paths).toHaveLength(locators);
  expect(before(paths)).toEqual([]);
  expect(paths.filter((p) => p.details?.derived === true)).toEqual([]);

  const timeline = summary!.timeline.map((e) => `${e.at} ${e.what}`).join('\n');
  const final = summary!.timeline.find((e) => e.what.startsWith('final snapshot'));
  expect(final && Date.parse(final.at)).toBeLessThan(readOnlyAt);
  expect(timeline).toMatch(/warning: the account and all its metadata will be deleted/);
  expect(summary!.tallies.keys).toMatchObject({ total: locators, done: locators, failed: 0 });
  expect(summary!.urlMap).toBeDefined();
  expect(summary!.report?.htmlPath).toBeTruthy();
}
