import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { DefaultAzureCredential } from '@azure/identity';

/**
 * Access to the customer's media storage accounts, by the name AMS gives them (the last segment of
 * `storageAccounts[].id`). In Azure that is `https://{name}.blob.core.windows.net` with the managed
 * identity; on one machine, Azurite accounts by connection string.
 */
export interface MediaStorage {
  service(storageAccountName: string): BlobServiceClient;
  container(storageAccountName: string, container: string): ContainerClient;
}

/** Storage accounts served by connection strings (Azurite, or account keys), by account name. */
export function connectionStringMediaStorage(connections: Record<string, string>): MediaStorage {
  const cache = new Map<string, BlobServiceClient>();
  const service = (name: string) => {
    const key = name.toLowerCase();
    let client = cache.get(key);
    if (!client) {
      const connection = Object.entries(connections).find(([n]) => n.toLowerCase() === key)?.[1];
      if (!connection) throw new Error(`no connection is configured for storage account "${name}"`);
      client = BlobServiceClient.fromConnectionString(connection);
      cache.set(key, client);
    }
    return client;
  };
  return { service, container: (name, container) => service(name).getContainerClient(container) };
}

/** Real Azure storage accounts through the managed identity (needs Storage Blob Data roles). */
export function azureMediaStorage(credential = new DefaultAzureCredential()): MediaStorage {
  const cache = new Map<string, BlobServiceClient>();
  const service = (name: string) => {
    let client = cache.get(name);
    if (!client) {
      client = new BlobServiceClient(`https://${name}.blob.core.windows.net`, credential);
      cache.set(name, client);
    }
    return client;
  };
  return { service, container: (name, container) => service(name).getContainerClient(container) };
}
