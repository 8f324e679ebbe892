import { startAzurite } from '../../local/azurite';

/**
 * One in-memory Azurite for the whole jest run. Workers are spawned after this and inherit the
 * environment, which is how they find it. Tests isolate themselves with unique container and
 * table names (see storage.ts beside this file).
 */
export default async function globalSetup(): Promise<void> {
  const azurite = await startAzurite();
  process.env.TEST_STORAGE_CONNECTION_STRING = azurite.connectionString;
  process.env.TEST_BLOB_ENDPOINT = azurite.blobEndpoint;
  process.env.TEST_TABLE_ENDPOINT = azurite.tableEndpoint;
  (globalThis as { __azurite?: { stop(): Promise<void> } }).__azurite = azurite;
}
