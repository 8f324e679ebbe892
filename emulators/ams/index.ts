import { createServer, Agent, type Server } from 'node:https';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import type { AccessToken, TokenCredential } from '@azure/core-auth';
import type { Clock } from '../../shared/clock';
import { AmsCore, type LroOptions } from './core';
import { SettableClock } from './clock';
import { StorageMap, type EmulatorStorage } from './storage';
import type { Budgets } from './throttle';
import type { Fault } from './faults';
import type { SeedDescription, SeedReport } from './seed';
import { createAdmin, handleAdmin, type AmsAdmin } from './admin';
import { loopbackCertificate, type TlsMaterial } from './tls';
import { readBody, send } from './http';

export type { AmsAdmin } from './admin';
export type { Budgets, Budget } from './throttle';
export type { Fault } from './faults';
export type { SeedDescription, SeedAccount, SeedAsset, SeedReport } from './seed';
export type { GenerateOptions } from './generate';
export type { EmulatorStorage } from './storage';
export { retirementHeader, SUPPORTED_API_VERSIONS } from './core';

export interface AmsEmulatorOptions {
  /** Loopback port; default a free one. */
  port?: number;
  host?: string;
  /** Azurite connection strings per storage account name (the AMS account's storageAccounts[].id). */
  storage?: EmulatorStorage;
  /** A clock to follow (the local runtime's virtual clock). Without one the emulator owns a settable clock. */
  clock?: Clock;
  /** Start of the owned clock (ms or ISO) and its speed (emulated ms per real ms). */
  startTime?: number | string;
  clockRate?: number;
  budgets?: Partial<Budgets>;
  faults?: Fault[];
  lro?: LroOptions;
  extensionVisibleAfterMs?: number;
  pageSizes?: Record<string, number>;
  seed?: SeedDescription;
  /** TLS certificate and key; default a per-process self-signed loopback certificate. */
  tls?: TlsMaterial;
}

export interface AmsEmulatorHandle {
  /** `https://127.0.0.1:<port>`: pass as the SDK client's `endpoint`. */
  armEndpoint: string;
  port: number;
  /** PEM of the certificate the server presents (self-signed: trust it as a CA). */
  caCert: string;
  /** A file holding caCert (for NODE_EXTRA_CA_CERTS in child processes, or other tools). */
  caCertPath: string;
  /** An https.Agent that trusts caCert: pass it as the SDK client's `agent` option. */
  agent: Agent;
  /** `{ endpoint, agent }`: the options an `AzureMediaServices` client needs for this emulator. */
  clientOptions: { endpoint: string; agent: Agent };
  /** A TokenCredential whose dummy bearer token the emulator accepts. */
  credential: TokenCredential;
  admin: AmsAdmin;
  /** The report of the initial seed, if one was given. */
  seedReport?: SeedReport;
  stop(): Promise<void>;
}

/** A credential for the emulator: any bearer token is accepted, so this one is fixed. */
export const emulatorCredential: TokenCredential = {
  getToken: async (): Promise<AccessToken> => ({
    token: 'ams-emulator-token',
    expiresOnTimestamp: Date.now() + 3_600_000,
  }),
};

/** Starts the AMS ARM emulator on loopback HTTPS. */
export async function startAmsEmulator(
  options: AmsEmulatorOptions = {},
): Promise<AmsEmulatorHandle> {
  const owned = options.clock
    ? undefined
    : new SettableClock(
        options.startTime === undefined ? Date.now() : new Date(options.startTime).getTime(),
        options.clockRate ?? 1,
      );
  const clock = options.clock ?? owned!;
  const core = new AmsCore({
    clock,
    storage: new StorageMap(options.storage),
    budgets: options.budgets,
    faults: options.faults,
    lro: options.lro,
    extensionVisibleAfterMs: options.extensionVisibleAfterMs,
    pageSizes: options.pageSizes,
  });
  const admin = createAdmin(core, owned);
  const seedReport = options.seed ? await admin.seed(options.seed) : undefined;
  const tls = options.tls ?? (await loopbackCertificate());
  const host = options.host ?? '127.0.0.1';

  const sockets = new Set<Socket>();
  let base = '';
  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? '/', base);
        const raw = await readBody(req);
        let body: unknown;
        if (raw.trim()) {
          try {
            body = JSON.parse(raw);
          } catch {
            send(res, {
              status: 400,
              headers: {},
              body: {
                error: {
                  code: 'InvalidRequestContent',
                  message: 'The request content was invalid and could not be deserialized.',
                },
              },
            });
            return;
          }
        }
        if (url.pathname.toLowerCase().startsWith('/admin/')) {
          const answer = await handleAdmin(admin, req.method ?? 'GET', url, body);
          send(res, { status: answer.status, headers: {}, body: answer.body });
          return;
        }
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers))
          headers[k.toLowerCase()] = Array.isArray(v) ? v.join(',') : v;
        const answer = await core.handle({ method: req.method ?? 'GET', url, headers, body, base });
        if (answer.delayMs) await new Promise((r) => setTimeout(r, answer.delayMs));
        send(res, answer);
      } catch (error) {
        send(res, {
          status: 500,
          headers: {},
          body: { error: { code: 'InternalServerError', message: (error as Error).message } },
        });
      }
    })();
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  base = `https://${host}:${port}`;

  const dir = mkdtempSync(join(tmpdir(), 'ams-emulator-'));
  const caCertPath = join(dir, 'ca.pem');
  writeFileSync(caCertPath, tls.cert);
  const agent = new Agent({ ca: tls.cert, keepAlive: true });

  return {
    armEndpoint: base,
    port,
    caCert: tls.cert,
    caCertPath,
    agent,
    clientOptions: { endpoint: base, agent },
    credential: emulatorCredential,
    admin,
    ...(seedReport ? { seedReport } : {}),
    stop: async () => {
      agent.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
