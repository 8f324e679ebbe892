import { readFileSync } from 'node:fs';
import { startAmsEmulator } from './index';
import { startAzurite, type AzuriteHandle } from '../../local/azurite';

/**
 * `npm run emulator -- --port <n> [--seed <file>] [--storage <connection string>]
 *    [--start <ISO time>] [--rate <emulated ms per real ms>] [--lro-ms <n>] [--retry-after <s>]`
 * Starts the AMS emulator on loopback HTTPS and prints one JSON line (armEndpoint, caCertPath,
 * adminEndpoint, blob storage), then serves until SIGINT/SIGTERM. Without --storage it starts an
 * in-memory Azurite for the asset containers.
 */
function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  const portText = arg('port');
  const port = portText === undefined ? 0 : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port must be a port number, got ${portText}`);
  const seedFile = arg('seed');
  const seed = seedFile ? JSON.parse(readFileSync(seedFile, 'utf8')) : undefined;
  let azurite: AzuriteHandle | undefined;
  let storage = arg('storage');
  if (!storage) {
    azurite = await startAzurite();
    storage = azurite.connectionString;
  }
  const num = (name: string) => {
    const text = arg(name);
    if (text === undefined) return undefined;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0)
      throw new Error(`--${name} must be a non-negative number, got ${text}`);
    return value;
  };
  const start = arg('start');
  if (start !== undefined && Number.isNaN(Date.parse(start)))
    throw new Error(`--start must be an ISO date, got ${start}`);
  const emu = await startAmsEmulator({
    port,
    seed,
    storage: { default: storage },
    ...(start !== undefined ? { startTime: start } : {}),
    ...(num('rate') !== undefined ? { clockRate: num('rate') } : {}),
    lro: { durationMs: num('lro-ms') ?? 0, retryAfterSeconds: num('retry-after') ?? 0 },
  });
  process.stdout.write(
    JSON.stringify({
      armEndpoint: emu.armEndpoint,
      caCertPath: emu.caCertPath,
      adminEndpoint: `${emu.armEndpoint}/admin`,
      storageConnectionString: storage,
      seeded: emu.seedReport?.accounts.map((a) => a.id) ?? [],
    }) + '\n',
  );
  const stop = async () => {
    await emu.stop();
    await azurite?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: Error) => {
  process.stderr.write(`ams emulator: ${error.message}\n`);
  process.exit(1);
});
