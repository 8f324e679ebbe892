import type { TokenCredential } from '@azure/core-auth';
import './quiet-functions';
import '../functions/activities/pipeline';
import '../functions/account-migration';
import { registry as appRegistry } from '../functions/registry';
import type { Clock } from '../shared/clock';
import { systemClock } from '../shared/clock';
import type { LifeboatConfig } from '../shared/config';
import {
  createDependencies,
  setDependencies,
  type DependencyOverrides,
  type PipelineDependencies,
} from '../shared/pipeline/dependencies';
import { DurableRuntime, MemoryStore, type DurableStore } from './runtime';
import { TableStore } from './runtime/table-store';

/**
 * The one-machine host: the app's own orchestrations and activities (the registry the Functions
 * entry fills) on the local durable runtime, with the activities' dependencies pointed at this
 * machine's choices (the AMS emulator or real Azure, Azurite or a storage account, real or
 * virtual time). The command line, the demo and the lifecycle tests all run through it.
 */

export interface LocalHostOptions {
  config: LifeboatConfig;
  /** Real time by default; a VirtualClock makes the window pass in seconds. */
  clock?: Clock;
  /** Durable state: `table` (in the configured storage account; survives the process) or `memory`. */
  store?: 'table' | 'memory' | DurableStore;
  /** The ARM endpoint and credential to use instead of Azure's (the AMS emulator's). */
  arm?: { endpoint: string; credential: TokenCredential; caCert?: string };
  /** Replaces any of the activities' dependencies (secret store, media storage, log...). */
  overrides?: DependencyOverrides;
  maxConcurrentActivities?: number;
  log?: (line: string) => void;
}

export interface LocalHost {
  runtime: DurableRuntime;
  deps: PipelineDependencies;
  clock: Clock;
  stop(): Promise<void>;
}

/** Table and container names of the durable state, from the task hub name. */
export function durableStoreNames(config: Pick<LifeboatConfig, 'taskHub'>): {
  table: string;
  container: string;
} {
  return {
    table: `${config.taskHub}Instances`,
    container: `${config.taskHub.toLowerCase()}-durable`,
  };
}

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const clock = options.clock ?? systemClock;
  const deps = createDependencies(options.config, {
    clock,
    ...(options.arm
      ? {
          armEndpoint: options.arm.endpoint,
          credential: options.arm.credential,
          caCert: options.arm.caCert,
        }
      : {}),
    ...(options.log ? { log: options.log } : {}),
    ...options.overrides,
  });
  setDependencies(deps);
  await deps.ready();
  const store =
    options.store === undefined || options.store === 'table'
      ? new TableStore({ storage: options.config.storage, ...durableStoreNames(options.config) })
      : options.store === 'memory'
        ? new MemoryStore()
        : options.store;
  const runtime = new DurableRuntime({
    registry: appRegistry,
    store,
    clock,
    maxConcurrentActivities: options.maxConcurrentActivities ?? 8,
    log: (level, source, message) => {
      if (level === 'error' || level === 'warning') options.log?.(`${level} ${source}: ${message}`);
    },
  });
  return {
    runtime,
    deps,
    clock,
    stop: async () => {
      await runtime.stop();
      setDependencies(undefined);
    },
  };
}
