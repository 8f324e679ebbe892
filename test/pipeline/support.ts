import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AzureMediaServices } from '@azure/arm-mediaservices';
import type { AmsEmulatorHandle, AmsEmulatorOptions } from '../../emulators/ams';
import { VirtualClock } from '../../local/runtime/virtual-clock';
import { formatAccountId } from '../../shared/account-id';
import { loadConfig } from '../../shared/config';
import type { BatchRef, BatchResult } from '../../shared/pipeline/contracts';
import { createDependencies, type PipelineDependencies } from '../../shared/pipeline/dependencies';
import { LocalSecretStore, type SecretStore } from '../../shared/secrets';
import { connectionStringMediaStorage } from '../../shared/storage/media-storage';
import { emulatorSdkClient, startTestEmulator } from '../support/ams-emulator';
import { testStorageConnectionString, uniqueName } from '../support/storage';

export const SUB = '00000000-0000-0000-0000-0000000000bb';
export const RG = 'media-rg';
export const accountIdOf = (name: string) =>
  formatAccountId({ subscriptionId: SUB, resourceGroup: RG, accountName: name });

/**
 * Moves a virtual clock whenever every piece of work is parked in `sleep` (nothing changed for a
 * few real milliseconds), the way the local runtime does, so throttle waits pass at once.
 */
export function autoAdvance(clock: VirtualClock): () => void {
  let lastSeen = -1;
  let quiet = 0;
  const timer = setInterval(() => {
    const sleepers = clock.sleepers;
    if (sleepers === 0) {
      quiet = 0;
      return;
    }
    quiet = sleepers === lastSeen ? quiet + 1 : 0;
    lastSeen = sleepers;
    if (quiet >= 2) {
      const next = clock.nextWakeUp();
      if (next !== undefined) clock.advanceTo(next);
      quiet = 0;
    }
  }, 2);
  return () => clearInterval(timer);
}

export interface Fixture {
  emu: AmsEmulatorHandle;
  clock: VirtualClock;
  deps: PipelineDependencies;
  secretsDir: string;
  logs: string[];
  /** A plain SDK client (no pacing) for checks. */
  client: AzureMediaServices;
  stop(): Promise<void>;
}

export async function pipelineFixture(
  options: {
    start?: number;
    keyBudgetPerHour?: number;
    emulator?: AmsEmulatorOptions;
    storageAccounts?: string[];
    /** The secret store (default: a local folder, `secretsDir`). */
    secrets?: SecretStore;
  } = {},
): Promise<Fixture> {
  const clock = new VirtualClock(options.start ?? Date.UTC(2025, 0, 1));
  const connection = testStorageConnectionString();
  const emu = await startTestEmulator({ clock, ...options.emulator });
  const config = loadConfig({
    LIFEBOAT_STORAGE: connection,
    LIFEBOAT_KEY_BUDGET_PER_HOUR: String(options.keyBudgetPerHour ?? 1200),
    LIFEBOAT_LEDGER_TABLE: uniqueName('ledger'),
    LIFEBOAT_OUTPUT_CONTAINER: uniqueName('out'),
  });
  const secretsDir = await mkdtemp(join(tmpdir(), 'lifeboat-secrets-'));
  const logs: string[] = [];
  const media = Object.fromEntries((options.storageAccounts ?? []).map((n) => [n, connection]));
  const deps = createDependencies(config, {
    clock,
    credential: emu.credential,
    caCert: emu.caCert,
    armEndpoint: emu.armEndpoint,
    secrets: options.secrets ?? new LocalSecretStore(secretsDir),
    mediaStorage: connectionStringMediaStorage(media),
    retry: { baseBackoffMs: 500, maxBackoffMs: 5_000 },
    log: (line) => logs.push(line),
  });
  const stopClock = autoAdvance(clock);
  const client = emulatorSdkClient(emu, SUB);
  return {
    emu,
    clock,
    deps,
    secretsDir,
    logs,
    client,
    stop: async () => {
      stopClock();
      await emu.stop();
    },
  };
}

/** Every secret value the local store holds. */
export async function storedSecrets(folder: string): Promise<string[]> {
  const names = await readdir(folder).catch(() => [] as string[]);
  return Promise.all(names.map((n) => readFile(join(folder, n), 'utf8')));
}

/** Every blob under the output container, as text. */
export async function outputTexts(deps: PipelineDependencies): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for await (const blob of deps.output.listBlobsFlat()) {
    const text = (await deps.output.getBlobClient(blob.name).downloadToBuffer()).toString('utf8');
    out.set(blob.name, text);
  }
  return out;
}

type Tally = Required<Omit<BatchResult, 'nextKeyCallAt'>>;

/** Runs batches one after another and adds up their results, as the orchestration's tally does. */
export async function runBatches(
  refs: BatchRef[],
  run: (b: BatchRef) => Promise<BatchResult>,
): Promise<Tally> {
  const total: Tally = {
    done: 0,
    failed: 0,
    skipped: 0,
    alreadyDone: 0,
    calls: 0,
    waitedMs: 0,
  };
  for (const b of refs) {
    const r = await run(b);
    for (const k of Object.keys(total) as Array<keyof Tally>) total[k] += r[k] ?? 0;
  }
  return total;
}
