import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { TableClient } from '@azure/data-tables';
import type { ContainerClient } from '@azure/storage-blob';
import { systemClock } from '../../../shared/clock';
import { Ledger } from '../../../shared/ledger/ledger';
import { LocalSecretStore } from '../../../shared/secrets/local-secret-store';
import { connectionStringMediaStorage } from '../../../shared/storage/media-storage';
import type { AssetToMigrate, TargetDependencies } from '../../../shared/targets/target';
import { AZURITE_ACCOUNT } from '../../../local/azurite';
import { testStorageConnectionString, uniqueName } from '../../support/storage';

export const FIXTURES = join(__dirname, 'fixtures');
export const ACCOUNT_ID =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/rg/providers/Microsoft.Media/mediaServices/amsstatic';

export async function makeDeps(): Promise<TargetDependencies & { secretsDir: string }> {
  const connection = testStorageConnectionString();
  const table = TableClient.fromConnectionString(connection, uniqueName('ledger'), {
    allowInsecureConnection: true,
  });
  const ledger = new Ledger(table);
  await ledger.ensure();
  const secretsDir = await mkdtemp(join(tmpdir(), 'static-secrets-'));
  return {
    mediaStorage: connectionStringMediaStorage({ [AZURITE_ACCOUNT]: connection }),
    secrets: new LocalSecretStore(secretsDir),
    ledger,
    clock: systemClock,
    secretsDir,
  };
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(path)));
    else out.push(path);
  }
  return out;
}

/** Uploads a fixture folder as an AMS asset container (files at the root, live folders kept). */
export async function uploadFixture(
  container: ContainerClient,
  fixture: string,
  transform: (name: string, data: Buffer) => Buffer = (_n, d) => d,
  rename: (name: string) => string = (n) => n,
): Promise<string[]> {
  await container.createIfNotExists();
  const root = join(FIXTURES, fixture);
  const names: string[] = [];
  for (const path of await walk(root)) {
    const name = rename(relative(root, path).split('\\').join('/'));
    const data = transform(name, await readFile(path));
    await container.getBlockBlobClient(name).uploadData(data);
    names.push(name);
  }
  return names;
}

/** Downloads every blob under a prefix into a local folder (for independent checks). */
export async function downloadPrefix(
  container: ContainerClient,
  prefix: string,
): Promise<{ dir: string; types: Map<string, string> }> {
  const dir = await mkdtemp(join(tmpdir(), 'static-out-'));
  const types = new Map<string, string>();
  for await (const item of container.listBlobsFlat({ prefix: `${prefix}/` })) {
    const name = item.name.slice(prefix.length + 1);
    types.set(name, item.properties.contentType ?? '');
    const path = join(dir, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, await container.getBlobClient(item.name).downloadToBuffer());
  }
  return { dir, types };
}

export function asset(
  partial: Partial<AssetToMigrate> & Pick<AssetToMigrate, 'assetName' | 'container'>,
): AssetToMigrate {
  return {
    accountId: ACCOUNT_ID,
    storageAccountName: AZURITE_ACCOUNT,
    locators: [],
    filters: [],
    ...partial,
  };
}

export function locator(streamingLocatorId: string, filters: string[] = []) {
  return {
    name: `loc-${streamingLocatorId.slice(0, 8)}`,
    streamingLocatorId,
    streamingPolicyName: 'Predefined_ClearStreamingOnly',
    filters,
    contentKeySecrets: [],
  };
}

export function outputOptions(container: string) {
  return {
    outputStorageAccount: AZURITE_ACCOUNT,
    outputContainer: container,
    baseUrl: 'https://media.example.com/vod',
    lockSeconds: 15,
  };
}
