import type { AzureMediaServices } from '@azure/arm-mediaservices';
import type { LogLevel } from '@azure/functions';
import { systemClock, type Clock } from '../shared/clock';
import type { LifeboatConfig } from '../shared/config';
import { tableClient } from '../shared/storage/clients';
import { armAccountDiscovery, armAccountExists } from '../shared/triggers/arm-discovery';
import type { MigrationClient } from '../shared/pipeline/durable-client';
import { createTriggerServices, type TriggerServices } from '../shared/triggers/services';
import { serve, type ServeHandle } from './serve';

/**
 * What `ams-lifeboat serve` runs: the trigger services over the local runtime's client (the CLI
 * owns the runtime, its store and clock, and the activities' dependencies), with the sweep's
 * discovery on the configured Resource Manager endpoint (the AMS emulator on one machine).
 */
export interface LocalServeOptions {
  config: LifeboatConfig;
  /** The local durable runtime's client (`runtime.client`). */
  client: MigrationClient;
  clock?: Clock;
  /** AMS clients per subscription; without them the sweep finds no accounts. */
  mediaClient?: (subscriptionId: string) => AzureMediaServices;
  host?: string;
  port?: number;
  keys?: string[];
  corsOrigins?: string[];
  log?: (level: LogLevel, message: string) => void;
}

export interface LocalServeHandle extends ServeHandle {
  services: TriggerServices;
}

export async function serveLocal(options: LocalServeOptions): Promise<LocalServeHandle> {
  const { config, mediaClient } = options;
  const ledgerTable = tableClient(config.storage, config.ledgerTable);
  const services = createTriggerServices({
    config,
    client: options.client,
    clock: options.clock ?? systemClock,
    listAccounts: mediaClient ? armAccountDiscovery({ mediaClient, ledgerTable }) : async () => [],
    accountExists: mediaClient ? armAccountExists(mediaClient) : undefined,
    tables: { ledger: ledgerTable },
  });
  const handle = await serve({
    services: () => services,
    host: options.host,
    port: options.port,
    keys: options.keys,
    corsOrigins: options.corsOrigins,
    log: options.log,
  });
  return { ...handle, services };
}
