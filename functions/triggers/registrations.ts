import type {
  EventGridEvent,
  HttpMethod,
  HttpRequest,
  HttpResponseInit,
  InvocationContext,
  Timer,
} from '@azure/functions';
import {
  approveMigration,
  cancelMigration,
  getMigration,
  getOpenApi,
  getReport,
  getUrlMap,
  listMigrations,
  startMigration,
} from '../../shared/triggers/api';
import { REQUESTS_CONTAINER } from '../../shared/triggers/blob-events';
import type { TriggerServices } from '../../shared/triggers/services';
import type { LifeboatConfig } from '../../shared/config';
import { assetBlobEventHandler, requestFileHandler, sweepHandler } from './event-handlers';
import { httpHandler } from './http-adapter';

/**
 * Every trigger of the app as data: what the Functions host binds (trigger, route, methods, auth
 * level, schedule, Event Grid source, durable client input) and the handler it calls. The Azure
 * registration (functions/triggers/index.ts) and the local `serve` adapter read this one table, so
 * both hosts run the very same handlers, and a test can inspect every binding.
 *
 * Handlers get their services through `services()`: built from `df.getClient(context)` in Azure,
 * from the local runtime's client on one machine.
 */

export type AuthLevel = 'anonymous' | 'function' | 'admin';
type Services = () => TriggerServices;

export interface HttpTriggerSpec {
  kind: 'http';
  name: string;
  route: string;
  methods: HttpMethod[];
  authLevel: AuthLevel;
  durableClient: boolean;
  handler: (req: HttpRequest, ctx: InvocationContext, s: Services) => Promise<HttpResponseInit>;
}

export interface TimerTriggerSpec {
  kind: 'timer';
  name: string;
  /** NCRONTAB, from the settings (`LIFEBOAT_SWEEP_SCHEDULE`). */
  schedule: (settings: Pick<LifeboatConfig, 'sweepSchedule'>) => string;
  durableClient: true;
  handler: (timer: Timer | undefined, ctx: InvocationContext, s: Services) => Promise<unknown>;
}

export interface EventGridTriggerSpec {
  kind: 'eventGrid';
  name: string;
  durableClient: true;
  handler: (event: EventGridEvent, ctx: InvocationContext, s: Services) => Promise<unknown>;
}

export interface BlobTriggerSpec {
  kind: 'blob';
  name: string;
  /** Container and blob name pattern. */
  path: string;
  /** App setting (or prefix, for identity-based connections) of the storage account. */
  connection: string;
  source: 'EventGrid';
  durableClient: true;
  handler: (blob: unknown, ctx: InvocationContext, s: Services) => Promise<unknown>;
}

export type TriggerSpec =
  HttpTriggerSpec | TimerTriggerSpec | EventGridTriggerSpec | BlobTriggerSpec;

const api = (
  name: string,
  route: string,
  method: HttpMethod,
  handler: HttpTriggerSpec['handler'],
  authLevel: AuthLevel = 'function',
): HttpTriggerSpec => ({
  kind: 'http',
  name,
  route,
  methods: [method],
  authLevel,
  durableClient: authLevel !== 'anonymous',
  handler,
});

export const triggerSpecs: readonly TriggerSpec[] = [
  api('startMigration', 'migrations', 'POST', httpHandler(startMigration)),
  api('listMigrations', 'migrations', 'GET', httpHandler(listMigrations)),
  api('getMigration', 'migrations/{id}', 'GET', httpHandler(getMigration)),
  api('approveMigration', 'migrations/{id}/approve', 'POST', httpHandler(approveMigration)),
  api('cancelMigration', 'migrations/{id}/cancel', 'POST', httpHandler(cancelMigration)),
  api('getMigrationReport', 'migrations/{id}/report', 'GET', httpHandler(getReport)),
  api('getMigrationUrlMap', 'migrations/{id}/urlmap', 'GET', httpHandler(getUrlMap)),
  api('getOpenApi', 'openapi.json', 'GET', httpHandler(getOpenApi), 'anonymous'),
  {
    kind: 'timer',
    name: 'migrationSweep',
    schedule: (config) => config.sweepSchedule,
    durableClient: true,
    handler: sweepHandler,
  },
  {
    kind: 'eventGrid',
    name: 'assetBlobCreated',
    durableClient: true,
    handler: assetBlobEventHandler,
  },
  {
    kind: 'blob',
    name: 'migrationRequestFile',
    path: `${REQUESTS_CONTAINER}/{name}`,
    connection: 'LIFEBOAT_STORAGE',
    source: 'EventGrid',
    durableClient: true,
    handler: requestFileHandler,
  },
];

export const httpSpecs = triggerSpecs.filter((s): s is HttpTriggerSpec => s.kind === 'http');
