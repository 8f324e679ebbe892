import type { FunctionInput } from '@azure/functions';
import { registerTriggers, type AppRegistrar } from '../../functions/triggers';
import { triggerSpecs } from '../../functions/triggers/registrations';
import { openApiDocument } from '../../shared/triggers/openapi';

/**
 * @azure/functions skips registration in a test process, so the bindings are captured by handing
 * the registration a recorder in place of `app`: what it records is exactly what the Functions
 * host would be given.
 */
interface Recorded {
  kind: string;
  name: string;
  options: Record<string, unknown>;
}

function record(): { registrar: AppRegistrar; calls: Recorded[] } {
  const calls: Recorded[] = [];
  const capture =
    (kind: string) =>
    (name: string, options: object): void => {
      calls.push({ kind, name, options: options as Record<string, unknown> });
    };
  return {
    registrar: {
      http: capture('http'),
      timer: capture('timer'),
      eventGrid: capture('eventGrid'),
      storageBlob: capture('storageBlob'),
    },
    calls,
  };
}

const hasDurableClient = (options: Record<string, unknown>) =>
  ((options.extraInputs as FunctionInput[] | undefined) ?? []).some(
    (i) => i.type === 'durableClient',
  );

describe('trigger registrations', () => {
  const { registrar, calls } = record();
  registerTriggers(registrar, { sweepSchedule: '0 30 2 * * *' }, () => {
    throw new Error('not called while registering');
  });
  const byName = new Map(calls.map((c) => [c.name, c]));

  it('registers every trigger of the table once', () => {
    expect(calls.map((c) => c.name).sort()).toEqual(triggerSpecs.map((s) => s.name).sort());
    expect(new Set(calls.map((c) => c.name)).size).toBe(calls.length);
  });

  it('binds the portal API routes with function keys and a durable client', () => {
    const http = calls
      .filter((c) => c.kind === 'http')
      .map((c) => ({
        name: c.name,
        route: c.options.route,
        methods: c.options.methods,
        authLevel: c.options.authLevel,
        durableClient: hasDurableClient(c.options),
      }));
    expect(http).toEqual([
      {
        name: 'startMigration',
        route: 'migrations',
        methods: ['POST'],
        authLevel: 'function',
        durableClient: true,
      },
      {
        name: 'listMigrations',
        route: 'migrations',
        methods: ['GET'],
        authLevel: 'function',
        durableClient: true,
      },
      {
        name: 'getMigration',
        route: 'migrations/{id}',
        methods: ['GET'],
        authLevel: 'function',
        durableClient: true,
      },
      {
        name: 'approveMigration',
        route: 'migrations/{id}/approve',
        methods: ['POST'],
        authLevel: 'function',
        durableClient: true,
      },
      {
        name: 'cancelMigration',
        route: 'migrations/{id}/cancel',
        methods: ['POST'],
        authLevel: 'function',
        durableClient: true,
      },
      {
        name: 'getMigrationReport',
        route: 'migrations/{id}/report',
        methods: ['GET'],
        authLevel: 'function',
        durableClient: true,
      },
      {
        name: 'getMigrationUrlMap',
        route: 'migrations/{id}/urlmap',
        methods: ['GET'],
        authLevel: 'function',
        durableClient: true,
      },
      {
        name: 'getOpenApi',
        route: 'openapi.json',
        methods: ['GET'],
        authLevel: 'anonymous',
        durableClient: false,
      },
    ]);
  });

  it('schedules the sweep from the setting, never on start-up', () => {
    const sweep = byName.get('migrationSweep');
    expect(sweep?.kind).toBe('timer');
    expect(sweep?.options).toMatchObject({
      schedule: '0 30 2 * * *',
      runOnStartup: false,
      useMonitor: true,
    });
    expect(hasDurableClient(sweep?.options ?? {})).toBe(true);
  });

  it('takes blob events through Event Grid', () => {
    const assets = byName.get('assetBlobCreated');
    expect(assets?.kind).toBe('eventGrid');
    expect(hasDurableClient(assets?.options ?? {})).toBe(true);
    const requests = byName.get('migrationRequestFile');
    expect(requests?.kind).toBe('storageBlob');
    expect(requests?.options).toMatchObject({
      path: 'migration-requests/{name}',
      source: 'EventGrid',
      connection: 'LIFEBOAT_STORAGE',
    });
    expect(hasDurableClient(requests?.options ?? {})).toBe(true);
  });

  it('documents exactly the registered routes and methods in the OpenAPI document', () => {
    const doc = openApiDocument() as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    const documented = Object.entries(doc.paths)
      .flatMap(([path, methods]) =>
        Object.entries(methods).map(
          ([method, op]) => `${method.toUpperCase()} ${path} ${op.operationId}`,
        ),
      )
      .sort();
    const registered = calls
      .filter((c) => c.kind === 'http')
      .flatMap((c) =>
        (c.options.methods as string[]).map(
          (m) => `${m} /api/${String(c.options.route)} ${c.name}`,
        ),
      )
      .sort();
    expect(documented).toEqual(registered);
  });

  it('loads the app entry in test mode without valid settings', () => {
    jest.isolateModules(() => {
      expect(jest.requireActual('../../functions/index')).toBeDefined();
    });
  });
});
