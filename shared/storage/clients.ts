import { BlobServiceClient } from '@azure/storage-blob';
import { TableClient } from '@azure/data-tables';
import { DefaultAzureCredential } from '@azure/identity';
import type { StorageSettings } from '../config';

/**
 * Storage clients from the validated settings: a connection string (Azurite, account key) or
 * endpoint URLs with the managed identity. Plain-http endpoints only ever mean a local emulator.
 */
export function blobService(settings: StorageSettings): BlobServiceClient {
  if (settings.connectionString)
    return BlobServiceClient.fromConnectionString(settings.connectionString);
  if (settings.blobUrl)
    return new BlobServiceClient(settings.blobUrl, new DefaultAzureCredential());
  throw new Error('No blob storage is configured');
}

export function tableClient(settings: StorageSettings, table: string): TableClient {
  if (settings.connectionString) {
    return TableClient.fromConnectionString(settings.connectionString, table, {
      allowInsecureConnection: /=http:\/\/|UseDevelopmentStorage=true/i.test(
        settings.connectionString,
      ),
    });
  }
  if (settings.tableUrl)
    return new TableClient(settings.tableUrl, table, new DefaultAzureCredential());
  throw new Error('No table storage is configured');
}
