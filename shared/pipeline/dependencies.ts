import type { TokenCredential } from '@azure/core-auth';
import { DefaultAzureCredential } from '@azure/identity';
import type { ContainerClient } from '@azure/storage-blob';
import { createAmsClientFactory, type AmsClientFactory } from '../ams/client';
import type { RetryOptions } from '../ams/retry-policy';
import { systemClock, type Clock } from '../clock';
import type { LifeboatConfig } from '../config';
import { getConfig } from '../config';
import { CONTAINER_INDEX_TABLE, ContainerIndex } from '../ledger/container-index';
import { Ledger } from '../ledger/ledger';
import { createSecretStore, type SecretStore } from '../secrets';
import { blobService, tableClient } from '../storage/clients';
import {
  azureMediaStorage,
  connectionStringMediaStorage,
  type MediaStorage,
} from '../storage/media-storage';
import { redactSecrets } from '../telemetry/redact';

/**
 * Everything the pipeline's activities need, built once per process from the configuration. The
 * Functions host uses the default (real clock, DefaultAzureCredential, Key Vault or local secrets);
 * the local host and the tests pass overrides: the virtual clock, the AMS emulator's endpoint,
 * credential and CA certificate, Azurite media storage.
 */
export interface PipelineDependencies {
  config: LifeboatConfig;
  clock: Clock;
  ams: AmsClientFactory;
  secrets: SecretStore;
  ledger: Ledger;
  /** Which account owns which storage container (the snapshot records it; blob events read it). */
  containers: ContainerIndex;
  /** The container snapshots, exports, URL maps and reports are written to. */
  output: ContainerClient;
  mediaStorage: MediaStorage;
  /** A log line; the text is redacted before it is written. */
  log(line: string): void;
  /** Creates the ledger table and the output container if missing (idempotent, cached). */
  ready(): Promise<void>;
}

export interface DependencyOverrides {
  clock?: Clock;
  credential?: TokenCredential;
  /** PEM of a CA to trust for the ARM endpoint (the emulator's). */
  caCert?: string | Buffer;
  armEndpoint?: string;
  retry?: RetryOptions;
  contentKeyBurst?: number;
  ams?: AmsClientFactory;
  secrets?: SecretStore;
  ledger?: Ledger;
  containers?: ContainerIndex;
  mediaStorage?: MediaStorage;
  output?: ContainerClient;
  log?: (line: string) => void;
}

export function createDependencies(
  config: LifeboatConfig,
  overrides: DependencyOverrides = {},
): PipelineDependencies {
  const clock = overrides.clock ?? systemClock;
  const ams =
    overrides.ams ??
    createAmsClientFactory({
      armEndpoint: overrides.armEndpoint ?? config.armEndpoint,
      credential: overrides.credential ?? new DefaultAzureCredential(),
      clock,
      contentKeyBudgetPerHour: config.contentKeyBudgetPerHour,
      contentKeyBurst: overrides.contentKeyBurst,
      caCert: overrides.caCert,
      retry: overrides.retry,
    });
  const ledgerTable = tableClient(config.storage, config.ledgerTable);
  const ledger = overrides.ledger ?? new Ledger(ledgerTable, () => clock.now());
  const containers =
    overrides.containers ??
    new ContainerIndex(tableClient(config.storage, CONTAINER_INDEX_TABLE), ledgerTable, () =>
      clock.now(),
    );
  const output =
    overrides.output ?? blobService(config.storage).getContainerClient(config.outputContainer);
  const mediaStorage =
    overrides.mediaStorage ??
    (config.mediaStorageConnections
      ? connectionStringMediaStorage(config.mediaStorageConnections)
      : azureMediaStorage());
  const write = overrides.log ?? ((line: string) => console.log(line));
  let readyOnce: Promise<void> | undefined;
  return {
    config,
    clock,
    ams,
    secrets: overrides.secrets ?? createSecretStore(config),
    ledger,
    containers,
    output,
    mediaStorage,
    log: (line) => write(redactSecrets(line)),
    ready: () => {
      readyOnce ??= Promise.all([ledger.ensure(), output.createIfNotExists()]).then(
        () => undefined,
      );
      readyOnce.catch(() => (readyOnce = undefined));
      return readyOnce;
    },
  };
}

let current: PipelineDependencies | undefined;

/** The process-wide dependencies the activities use; built from the configuration on first use. */
export function getDependencies(): PipelineDependencies {
  current ??= createDependencies(getConfig());
  return current;
}

/** Installs the process-wide dependencies (the local host, tests); `undefined` resets to the default. */
export function setDependencies(deps: PipelineDependencies | undefined): void {
  current = deps;
}
