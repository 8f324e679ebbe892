import {
  BlobServiceClient,
  ContainerSASPermissions,
  StorageSharedKeyCredential,
  generateBlobSASQueryParameters,
  type ContainerClient,
} from '@azure/storage-blob';

/**
 * Where asset containers live. An AMS account's `storageAccounts[].id` ends in a storage account
 * name; each name maps to a connection string of an Azurite account (or `default` serves all).
 */
export interface EmulatorStorage {
  accounts?: Record<string, string>;
  default?: string;
}

interface Parsed {
  service: BlobServiceClient;
  credential?: StorageSharedKeyCredential;
}

function parse(connectionString: string): Parsed {
  const parts = new Map<string, string>();
  for (const part of connectionString.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) parts.set(part.slice(0, at).toLowerCase(), part.slice(at + 1));
  }
  const name = parts.get('accountname');
  const key = parts.get('accountkey');
  return {
    service: BlobServiceClient.fromConnectionString(connectionString),
    credential: name && key ? new StorageSharedKeyCredential(name, key) : undefined,
  };
}

export class StorageMap {
  private cache = new Map<string, Parsed>();

  constructor(private readonly config: EmulatorStorage = {}) {}

  get configured(): boolean {
    return Boolean(this.config.default || Object.keys(this.config.accounts ?? {}).length);
  }

  private resolve(storageAccount: string): Parsed | undefined {
    const key = storageAccount.toLowerCase();
    let parsed = this.cache.get(key);
    if (parsed) return parsed;
    const entry = Object.entries(this.config.accounts ?? {}).find(
      ([name]) => name.toLowerCase() === key,
    );
    const cs = entry?.[1] ?? this.config.default;
    if (!cs) return undefined;
    parsed = parse(cs);
    this.cache.set(key, parsed);
    return parsed;
  }

  container(storageAccount: string, container: string): ContainerClient | undefined {
    return this.resolve(storageAccount)?.service.getContainerClient(container);
  }

  /** A container SAS URL signed with the (Azurite) account key. */
  containerSas(
    storageAccount: string,
    container: string,
    permissions: string,
    expiresOn: Date,
  ): string | undefined {
    const parsed = this.resolve(storageAccount);
    if (!parsed?.credential) return undefined;
    const client = parsed.service.getContainerClient(container);
    const sas = generateBlobSASQueryParameters(
      {
        containerName: container,
        permissions: ContainerSASPermissions.parse(permissions),
        expiresOn,
        version: '2021-08-06',
      },
      parsed.credential,
    ).toString();
    return `${client.url}?${sas}`;
  }
}

/** The SAS permission letters for the API's AssetContainerPermission values. */
export function sasPermissions(value: string | undefined): string {
  switch ((value ?? 'Read').toLowerCase()) {
    case 'read':
      return 'rl';
    case 'readwrite':
      return 'rwl';
    case 'readwritedelete':
      return 'rwdl';
    default:
      throw new Error(`unknown permissions ${value}`);
  }
}
