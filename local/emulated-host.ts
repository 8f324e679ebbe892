import {
  emulatorCredential,
  startAmsEmulator,
  type AmsEmulatorHandle,
  type SeedDescription,
} from '../emulators/ams';
import { formatAccountId } from '../shared/account-id';
import { loadConfigWith, type LifeboatConfig } from '../shared/config';
import type { SecretStore } from '../shared/secrets';
import { connectionStringMediaStorage } from '../shared/storage/media-storage';
import { startAzurite, type AzuriteHandle } from './azurite';
import { startLocalHost, type LocalHost } from './host';
import { VirtualClock } from './runtime';

/**
 * The whole app on one machine against emulators, on virtual time: Azurite (state and media), the
 * AMS emulator seeded from a description, and the local host running the app's orchestration and
 * activities with the emulator as Resource Manager. `ams-lifeboat --emulator`, `serve --emulator`
 * and `npm run demo` all start it this way.
 */
export interface EmulatedHost {
  azurite: AzuriteHandle;
  emu: AmsEmulatorHandle;
  clock: VirtualClock;
  config: LifeboatConfig;
  host: LocalHost;
  /** ARM ids of the seeded accounts. */
  accounts: string[];
  /** Stops the host, the emulator and Azurite (in that order; each even if another fails). */
  stop(): Promise<void>;
}

export interface EmulatedHostOptions {
  /** The seed, built from the virtual clock's start. */
  seed: (now: number) => SeedDescription;
  /** Settings over the process environment (storage is always the embedded Azurite). */
  settings?: Record<string, string | undefined>;
  secrets?: SecretStore;
  log: (line: string) => void;
}

export async function startEmulatedHost(options: EmulatedHostOptions): Promise<EmulatedHost> {
  const stops: Array<() => Promise<void>> = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step().catch(() => undefined);
  };
  try {
    const azurite = await startAzurite();
    stops.push(() => azurite.stop());
    const clock = new VirtualClock(Date.now());
    const seed = options.seed(clock.now());
    const emu = await startAmsEmulator({
      storage: { default: azurite.connectionString },
      lro: { durationMs: 0, retryAfterSeconds: 0 },
      clock,
      seed,
      extensionVisibleAfterMs: 0,
    });
    stops.push(() => emu.stop());
    const config = loadConfigWith({
      ...options.settings,
      LIFEBOAT_STORAGE: azurite.connectionString,
      LIFEBOAT_STORAGE_BLOB_URL: undefined,
      LIFEBOAT_STORAGE_TABLE_URL: undefined,
      LIFEBOAT_KEY_VAULT_URL: undefined,
    });
    const storageAccounts = seed.accounts.flatMap((a) => a.storageAccounts ?? [`${a.name}store`]);
    const host = await startLocalHost({
      config,
      clock,
      store: 'table',
      arm: { endpoint: emu.armEndpoint, credential: emulatorCredential, caCert: emu.caCert },
      overrides: {
        ...(options.secrets ? { secrets: options.secrets } : {}),
        mediaStorage: connectionStringMediaStorage(
          Object.fromEntries(storageAccounts.map((n) => [n, azurite.connectionString])),
        ),
      },
      log: options.log,
    });
    stops.push(() => host.stop());
    const accounts = seed.accounts.map((a) =>
      formatAccountId({
        subscriptionId: a.subscriptionId,
        resourceGroup: a.resourceGroup,
        accountName: a.name,
      }),
    );
    return { azurite, emu, clock, config, host, accounts, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
