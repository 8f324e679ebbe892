import type { AzureMediaServices } from '@azure/arm-mediaservices';
import type { LogLevel } from '@azure/functions';
import { systemClock, type Clock } from '../shared/clock';
import type { LifeboatConfig } from '../shared/config';
import { tableClient } from '../shared/storage/clients';
import { armAccountDiscovery, armAccountExists } from '../shared/triggers/arm-discovery';
import type { MigrationClient } from '../shared/triggers/durable-client';
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

export interface ServeArgs {
  port?: number;
  host?: string;
  keys: string[];
  corsOrigins: string[];
}

/**
 * `serve` options from command-line arguments: `--port N`, `--host H`, `--key K` and
 * `--cors ORIGIN` (both repeatable).
 */
export function parseServeArgs(argv: readonly string[]): ServeArgs {
  const out: ServeArgs = { keys: [], corsOrigins: [] };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--port' || flag === '--host' || flag === '--key' || flag === '--cors') {
      if (value === undefined) throw new Error(`${flag} needs a value`);
      i++;
      if (flag === '--port') {
        const port = Number(value);
        if (!Number.isInteger(port) || port < 0 || port > 65535)
          throw new Error(`--port must be a port number, got "${value}"`);
        out.port = port;
      } else if (flag === '--host') out.host = value;
      else if (flag === '--cors') out.corsOrigins.push(value);
      else out.keys.push(value);
    } else {
      throw new Error(`unknown option "${flag}" (serve takes --port, --host, --key and --cors)`);
    }
  }
  return out;
}
