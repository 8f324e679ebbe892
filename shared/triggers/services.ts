import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { TableClient } from '@azure/data-tables';
import type { Clock } from '../clock';
import type { LifeboatConfig } from '../config';
import { Ledger } from '../ledger/ledger';
import { blobService, tableClient } from '../storage/clients';
import type { TargetName } from '../targets/target';
import { blobArtifactReader } from './artifacts';
import type { BlobEventDeps } from './blob-events';
import { CONTAINER_INDEX_TABLE, ContainerIndex } from '../ledger/container-index';
import { BlobEventDebouncer } from './debounce';
import type { MigrationClient } from '../pipeline/durable-client';
import { MigrationService } from './migrations';
import type { RequestFileDeps } from './request-files';
import { StartClaims } from './start-claims';
import { blobSweepSummaries, type ListAccounts, type SweepDefaults, type SweepDeps } from './sweep';
import { TARGETS, type StartDefaults } from './validation';

/**
 * Everything the trigger handlers need, built once per host from the configuration and the
 * host's durable client (Durable Functions in Azure, the local runtime on one machine).
 */

export const TableNames = {
  /** Start leases, blob-event debounce windows, processed request files. */
  triggers: 'lifeboattriggers',
  /** Storage account / container to Media Services account. */
  containers: CONTAINER_INDEX_TABLE,
} as const;

export interface TriggerServices {
  client: MigrationClient;
  migrations: MigrationService;
  startDefaults: StartDefaults;
  sweep: { deps: SweepDeps; defaults: SweepDefaults; scope: LifeboatConfig };
  blobEvents: BlobEventDeps;
  requestFiles: RequestFileDeps;
  clock: Clock;
}

export interface TriggerServiceOptions {
  config: LifeboatConfig;
  client: MigrationClient;
  clock: Clock;
  /** Account discovery for the sweep. */
  listAccounts: ListAccounts;
  /** Whether Resource Manager knows an account (POST answers 404 for unknown ones). */
  accountExists?: (accountId: string) => Promise<boolean | undefined>;
  /** Overrides for tests (isolated tables and containers). */
  tables?: Partial<Record<keyof typeof TableNames | 'ledger', TableClient>>;
  blobs?: BlobServiceClient;
  /** The pipeline's output container (reports, URL maps); default `config.outputContainer`. */
  output?: ContainerClient;
  debounceWindowMs?: number;
}

export function createTriggerServices(options: TriggerServiceOptions): TriggerServices {
  const { config, client, clock } = options;
  const table = (name: keyof typeof TableNames | 'ledger') =>
    options.tables?.[name] ??
    tableClient(config.storage, name === 'ledger' ? config.ledgerTable : TableNames[name]);
  const blobs = options.blobs ?? blobService(config.storage);
  const ledgerTable = table('ledger');
  const ledger = new Ledger(ledgerTable, () => clock.now());
  const triggers = table('triggers');
  const index = new ContainerIndex(table('containers'), ledgerTable, () => clock.now());
  const migrations = new MigrationService({
    client,
    ledger,
    claims: new StartClaims(triggers, clock),
    artifacts: blobArtifactReader(
      options.output ?? blobs.getContainerClient(config.outputContainer),
    ),
    clock,
    accountExists: options.accountExists,
  });
  const startDefaults: StartDefaults = {
    extensionPolicy: config.extensionPolicy,
    requireApproval: config.requireApproval,
  };
  const targets = config.sweepTargets.filter((t): t is TargetName =>
    (TARGETS as readonly string[]).includes(t),
  );
  return {
    client,
    migrations,
    startDefaults,
    clock,
    sweep: {
      deps: {
        service: migrations,
        listAccounts: options.listAccounts,
        index,
        clock,
        raiseEvent: (id, event, data) => client.raiseEvent(id, event, data),
        summaries: blobSweepSummaries(blobs),
      },
      defaults: { ...startDefaults, targets },
      scope: config,
    },
    blobEvents: {
      client,
      service: migrations,
      index,
      debouncer: new BlobEventDebouncer(triggers, clock, options.debounceWindowMs),
      ledger,
      defaultTargets: targets.length ? targets : ['static'],
    },
    requestFiles: {
      service: migrations,
      processed: triggers,
      blobs,
      clock,
      defaults: startDefaults,
    },
  };
}
