import { TableClient } from '@azure/data-tables';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { formatAccountId } from '../../../shared/account-id';
import { systemClock, type Clock } from '../../../shared/clock';
import { loadConfig, type LifeboatConfig } from '../../../shared/config';
import type { MigrationClient } from '../../../shared/pipeline/durable-client';
import { createTriggerServices, type TriggerServices } from '../../../shared/triggers/services';
import type { ListAccounts } from '../../../shared/triggers/sweep';
import { testStorageConnectionString, uniqueName } from '../../support/storage';

export interface TestServicesOptions {
  client: MigrationClient;
  clock?: Clock;
  listAccounts?: ListAccounts;
  accountExists?: (accountId: string) => Promise<boolean | undefined>;
  env?: Record<string, string>;
  debounceWindowMs?: number;
}

/** Trigger services over the run's Azurite, with tables of their own (isolated per test file). */
export function testServices(options: TestServicesOptions): {
  services: TriggerServices;
  config: LifeboatConfig;
  tables: Record<'ledger' | 'triggers' | 'containers', TableClient>;
  blobs: BlobServiceClient;
  output: ContainerClient;
} {
  const connection = testStorageConnectionString();
  const config = loadConfig({ LIFEBOAT_STORAGE: connection, ...options.env });
  const table = (prefix: string) =>
    TableClient.fromConnectionString(connection, uniqueName(prefix), {
      allowInsecureConnection: true,
    });
  const tables = { ledger: table('ledger'), triggers: table('trig'), containers: table('cont') };
  const blobs = BlobServiceClient.fromConnectionString(connection);
  const output = uniqueName('out');
  const services = createTriggerServices({
    config,
    client: options.client,
    clock: options.clock ?? systemClock,
    listAccounts: options.listAccounts ?? (async () => []),
    accountExists: options.accountExists,
    tables,
    blobs,
    output: blobs.getContainerClient(output),
    debounceWindowMs: options.debounceWindowMs,
  });
  return { services, config, tables, blobs, output: blobs.getContainerClient(output) };
}

export const SUB = '00000000-0000-0000-0000-0000000000aa';
export const accountArmId = (name: string, group = 'media', sub = SUB) =>
  formatAccountId({ subscriptionId: sub, resourceGroup: group, accountName: name });
