import { Agent } from 'node:https';
import { app, type InvocationContext } from '@azure/functions';
import type { TokenCredential } from '@azure/core-auth';
import * as df from 'durable-functions';
import { AzureMediaServices } from '@azure/arm-mediaservices';
import { DefaultAzureCredential } from '@azure/identity';
import { systemClock } from '../../shared/clock';
import { getConfig, type LifeboatConfig } from '../../shared/config';
import { tableClient, blobService } from '../../shared/storage/clients';
import { armAccountDiscovery, armAccountExists } from '../../shared/triggers/arm-discovery';
import {
  createTriggerServices,
  TableNames,
  type TriggerServices,
} from '../../shared/triggers/services';
import { triggerSpecs, type TriggerSpec } from './registrations';

/** The part of `app` the registrations use (a test passes a recorder). */
export type AppRegistrar = Pick<typeof app, 'http' | 'timer' | 'eventGrid' | 'storageBlob'>;

export type ServicesFor = (context: InvocationContext) => TriggerServices;

/** Registers every trigger of the table with the Functions host. */
export function registerTriggers(
  target: AppRegistrar,
  settings: Pick<LifeboatConfig, 'sweepSchedule'>,
  servicesFor: ServicesFor,
  specs: readonly TriggerSpec[] = triggerSpecs,
): void {
  for (const spec of specs) {
    const extraInputs = spec.durableClient ? [df.input.durableClient()] : [];
    const lazy = (context: InvocationContext) => () => servicesFor(context);
    switch (spec.kind) {
      case 'http':
        target.http(spec.name, {
          route: spec.route,
          methods: spec.methods,
          authLevel: spec.authLevel,
          extraInputs,
          handler: (request, context) => spec.handler(request, context, lazy(context)),
        });
        break;
      case 'timer':
        target.timer(spec.name, {
          schedule: spec.schedule(settings),
          runOnStartup: false,
          useMonitor: true,
          extraInputs,
          handler: async (timer, context) => {
            await spec.handler(timer, context, lazy(context));
          },
        });
        break;
      case 'eventGrid':
        target.eventGrid(spec.name, {
          extraInputs,
          handler: async (event, context) => {
            await spec.handler(event, context, lazy(context));
          },
        });
        break;
      case 'blob':
        target.storageBlob(spec.name, {
          path: spec.path,
          connection: spec.connection,
          source: spec.source,
          extraInputs,
          handler: async (blob, context) => {
            await spec.handler(blob, context, lazy(context));
          },
        });
        break;
    }
  }
}

/**
 * What a test may replace to run the Azure services without Azure: Resource Manager is then the
 * AMS emulator (`LIFEBOAT_ARM_ENDPOINT`), signed by its credential and trusted by its CA. In Azure
 * nothing is passed: the managed identity and the platform's trust store.
 */
export interface AzureServiceOverrides {
  credential?: TokenCredential;
  /** Extra CA certificate (PEM) to trust for Resource Manager calls. */
  armCaCert?: string | Buffer;
}

/** Services in Azure: storage and Resource Manager clients once per process, the client per call. */
export function azureServicesFor(
  config: LifeboatConfig,
  overrides: AzureServiceOverrides = {},
): ServicesFor {
  const credential = overrides.credential ?? new DefaultAzureCredential();
  const agent = overrides.armCaCert
    ? new Agent({ ca: overrides.armCaCert, keepAlive: true })
    : undefined;
  const mediaClients = new Map<string, AzureMediaServices>();
  const mediaClient = (subscriptionId: string) => {
    let client = mediaClients.get(subscriptionId);
    if (!client) {
      client = new AzureMediaServices(credential, subscriptionId, {
        endpoint: config.armEndpoint,
        ...(agent ? { agent } : {}),
      });
      mediaClients.set(subscriptionId, client);
    }
    return client;
  };
  const tables = {
    ledger: tableClient(config.storage, config.ledgerTable),
    triggers: tableClient(config.storage, TableNames.triggers),
    containers: tableClient(config.storage, TableNames.containers),
  };
  const blobs = blobService(config.storage);
  const listAccounts = armAccountDiscovery({ mediaClient, ledgerTable: tables.ledger });
  const accountExists = armAccountExists(mediaClient);
  return (context) =>
    createTriggerServices({
      config,
      client: df.getClient(context),
      clock: systemClock,
      listAccounts,
      accountExists,
      tables,
      blobs,
    });
}

/** Called by functions/index.ts. */
export function registerAzureTriggers(): void {
  // Importing the app (the local runtime does, for its registry) must not need valid settings;
  // a bad configuration fails the Functions start in the appStart hook, naming every problem.
  let schedule = DEFAULT_SWEEP_SCHEDULE;
  try {
    schedule = getConfig().sweepSchedule;
  } catch {
    // reported by the appStart hook
  }
  let servicesFor: ServicesFor | undefined;
  registerTriggers(app, { sweepSchedule: schedule }, (context) => {
    servicesFor ??= azureServicesFor(getConfig());
    return servicesFor(context);
  });
}

const DEFAULT_SWEEP_SCHEDULE = '0 0 3 * * *';
