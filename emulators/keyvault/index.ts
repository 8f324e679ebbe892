import { createServer, Agent, type Server } from 'node:https';
import type { LookupFunction, AddressInfo, Socket } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { AccessToken, GetTokenOptions, TokenCredential } from '@azure/core-auth';
import { systemClock, type Clock } from '../../shared/clock';
import { loopbackCertificate, type TlsMaterial } from '../ams/tls';
import { readBody } from '../ams/http';
import type { Fault } from '../ams/faults';
import { Vault, type RequestCounts, type StoredVersion, type VaultResponse } from './vault';
import type { VaultBudget } from './window-throttle';

export type { VaultBudget } from './window-throttle';
export type { RequestCounts, StoredVersion } from './vault';
export { MAX_SECRET_BYTES, SUPPORTED_API_VERSIONS } from './vault';

/**
 * The domain the emulated vaults live under, as real ones live under vault.azure.net: the vault
 * URL is `https://<vault>.vault.localhost:<port>` and the 401 challenge names
 * `https://vault.localhost`, so the SDK's challenge-resource check passes without being disabled.
 */
export const EMULATOR_VAULT_DOMAIN = 'vault.localhost';

export interface KeyVaultEmulatorOptions {
  /** Vault name (the first label of the host); default `lifeboat`. */
  vaultName?: string;
  port?: number;
  /** Throttle: requests per window per vault; default Key Vault's 4,000 per 10 s. */
  budget?: VaultBudget;
  faults?: Fault[];
  /** Clock for timestamps and the throttle window; default real time. */
  clock?: Clock;
  tls?: TlsMaterial;
  /** The resource the 401 challenge names; default `https://vault.localhost` (verifies). */
  challengeResource?: string;
}

export interface KeyVaultAdmin {
  /** Every stored version of a secret, oldest first, values included. */
  versions(name: string): StoredVersion[];
  /** Names of the secrets that are not deleted. */
  names(): string[];
  requestCounts(): RequestCounts;
  resetCounts(): void;
  setBudget(budget: VaultBudget): void;
  addFault(fault: Fault): void;
  clearFaults(): void;
  /** The scopes the emulator's credential was asked for (the challenge flow's result). */
  tokenScopes(): string[];
}

export interface KeyVaultEmulatorHandle {
  /** `https://<vault>.vault.localhost:<port>`: the SecretClient's vault URL. */
  vaultUrl: string;
  port: number;
  caCert: string;
  /** Trusts caCert and resolves `*.localhost` to 127.0.0.1 (RFC 6761) without asking DNS. */
  agent: Agent;
  /** `{ agent }`: what a SecretClient needs besides the URL and credential. */
  clientOptions: { agent: Agent };
  /** Answers with the one token the emulator accepts, recording the scopes asked for. */
  credential: TokenCredential;
  admin: KeyVaultAdmin;
  stop(): Promise<void>;
}

/** Resolves every `*.localhost` name to the IPv4 loopback; anything else fails. */
const loopbackLookup: LookupFunction = (hostname, options, callback) => {
  const host = hostname.toLowerCase();
  if (host !== 'localhost' && !host.endsWith('.localhost')) {
    const failure = Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), {
      code: 'ENOTFOUND',
    });
    callback(failure, '', 4);
    return;
  }
  if (options.all) {
    (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(
      null,
      [{ address: '127.0.0.1', family: 4 }],
    );
  } else callback(null, '127.0.0.1', 4);
};

function send(res: import('node:http').ServerResponse, answer: VaultResponse): void {
  if (answer.drop) {
    res.socket?.destroy();
    return;
  }
  const headers: Record<string, string> = {
    'x-ms-request-id': randomUUID(),
    'x-ms-keyvault-service-version': '1.9.0.0',
    ...answer.headers,
  };
  const payload = answer.body === undefined ? undefined : JSON.stringify(answer.body);
  if (payload !== undefined) headers['Content-Type'] = 'application/json; charset=utf-8';
  headers['Content-Length'] = String(payload === undefined ? 0 : Buffer.byteLength(payload));
  res.writeHead(answer.status, headers);
  res.end(payload);
}

/** Starts a Key Vault (secrets) emulator on loopback HTTPS. */
export async function startKeyVaultEmulator(
  options: KeyVaultEmulatorOptions = {},
): Promise<KeyVaultEmulatorHandle> {
  const tls = options.tls ?? (await loopbackCertificate());
  const token = `kv-emulator-${randomUUID()}`;
  const scopes: string[] = [];
  let vaultUrl = '';
  const vault = new Vault({
    clock: options.clock ?? systemClock,
    vaultUrl: () => vaultUrl,
    resource: options.challengeResource ?? `https://${EMULATOR_VAULT_DOMAIN}`,
    tenantId: '00000000-0000-0000-0000-000000000000',
    token,
    budget: options.budget,
  });
  for (const fault of options.faults ?? []) vault.faults.add(fault);

  const sockets = new Set<Socket>();
  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    void (async () => {
      try {
        const body = await readBody(req);
        const url = new URL(req.url ?? '/', vaultUrl);
        send(
          res,
          vault.handle({
            method: req.method ?? 'GET',
            url,
            authorization: req.headers.authorization,
            body,
          }),
        );
      } catch (error) {
        send(res, {
          status: 500,
          headers: {},
          body: { error: { code: 'InternalError', message: (error as Error).message } },
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
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  vaultUrl = `https://${options.vaultName ?? 'lifeboat'}.${EMULATOR_VAULT_DOMAIN}:${port}`;
  const agent = new Agent({ ca: tls.cert, keepAlive: true, lookup: loopbackLookup });

  const credential: TokenCredential = {
    getToken: async (
      scope: string | string[],
      _options?: GetTokenOptions,
    ): Promise<AccessToken> => {
      scopes.push(...(Array.isArray(scope) ? scope : [scope]));
      return { token, expiresOnTimestamp: Date.now() + 3_600_000 };
    },
  };

  return {
    vaultUrl,
    port,
    caCert: tls.cert,
    agent,
    clientOptions: { agent },
    credential,
    admin: {
      versions: (name) => vault.versions(name),
      names: () => vault.names(),
      requestCounts: () => vault.requestCounts(),
      resetCounts: () => vault.resetCounts(),
      setBudget: (budget) => vault.throttle.set(budget),
      addFault: (fault) => vault.faults.add(fault),
      clearFaults: () => vault.faults.clear(),
      tokenScopes: () => [...scopes],
    },
    stop: async () => {
      agent.destroy();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
    },
  };
}
