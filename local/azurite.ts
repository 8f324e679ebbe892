import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './net';

/** The well-known development account every Azurite serves. */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export interface StorageAccountKey {
  name: string;
  key: string;
}

export interface AzuriteOptions {
  /** Keep data on disk in this folder instead of in memory (for runs that must survive a restart). */
  location?: string;
  /** Storage accounts besides devstoreaccount1 (the customer's media accounts, say). */
  accounts?: StorageAccountKey[];
  host?: string;
}

export interface AzuriteHandle {
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
  /** Connection string for devstoreaccount1. */
  connectionString: string;
  /** Connection string for any account this Azurite serves. */
  connectionStringFor(account: StorageAccountKey): string;
  stop(): Promise<void>;
}

/**
 * Starts Azurite from the npm package on free loopback ports and waits until all three services
 * listen. The storage SDKs send newer API versions than Azurite knows, hence --skipApiVersionCheck.
 */
export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteHandle> {
  const host = options.host ?? '127.0.0.1';
  const [blobPort, queuePort, tablePort] = [
    await freePort(host),
    await freePort(host),
    await freePort(host),
  ];
  let entry: string;
  try {
    entry = require.resolve('azurite/dist/src/azurite.js');
  } catch {
    throw new Error('Azurite is not installed: run `npm ci` (it is a development dependency).');
  }
  const args = [
    entry,
    '--silent',
    '--skipApiVersionCheck',
    '--loose',
    '--disableTelemetry',
    `--blobHost=${host}`,
    `--blobPort=${blobPort}`,
    `--queueHost=${host}`,
    `--queuePort=${queuePort}`,
    `--tableHost=${host}`,
    `--tablePort=${tablePort}`,
    ...(options.location ? [`--location=${options.location}`] : ['--inMemoryPersistence']),
  ];
  const accounts = [{ name: AZURITE_ACCOUNT, key: AZURITE_KEY }, ...(options.accounts ?? [])];
  const child = spawn(process.execPath, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    // The child inherits this process's environment; only the account list is ours to add.
    // eslint-disable-next-line no-restricted-syntax
    env: { ...process.env, AZURITE_ACCOUNTS: accounts.map((a) => `${a.name}:${a.key}`).join(';') },
  });
  await waitForListening(child, 3);

  const endpoint = (port: number, account: string) => `http://${host}:${port}/${account}`;
  const connectionStringFor = (account: StorageAccountKey) =>
    [
      'DefaultEndpointsProtocol=http',
      `AccountName=${account.name}`,
      `AccountKey=${account.key}`,
      `BlobEndpoint=${endpoint(blobPort, account.name)}`,
      `QueueEndpoint=${endpoint(queuePort, account.name)}`,
      `TableEndpoint=${endpoint(tablePort, account.name)}`,
    ].join(';') + ';';

  return {
    blobEndpoint: endpoint(blobPort, AZURITE_ACCOUNT),
    queueEndpoint: endpoint(queuePort, AZURITE_ACCOUNT),
    tableEndpoint: endpoint(tablePort, AZURITE_ACCOUNT),
    connectionString: connectionStringFor({ name: AZURITE_ACCOUNT, key: AZURITE_KEY }),
    connectionStringFor,
    stop: () => stopChild(child),
  };
}

function waitForListening(child: ChildProcess, services: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    let listening = 0;
    const timer = setTimeout(
      () => fail(new Error(`Azurite did not start in 30 s:\n${output}`)),
      30_000,
    );
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      listening = (output.match(/successfully listening/g) ?? []).length;
      if (listening >= services) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        child.stderr?.resume();
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => fail(new Error(`Azurite exited with code ${code}:\n${output}`)));
  });
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}
