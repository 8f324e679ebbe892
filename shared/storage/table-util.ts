import type { TableClient } from '@azure/data-tables';

/** HTTP status of a storage error, if it carries one. */
export function statusOf(error: unknown): number | undefined {
  const value = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof value === 'number' ? value : undefined;
}

/** Creates the table once per client; concurrent callers share the attempt. */
const ensured = new WeakMap<TableClient, Promise<void>>();
export function ensureTable(table: TableClient): Promise<void> {
  let pending = ensured.get(table);
  if (!pending) {
    pending = table.createTable().catch((error: unknown) => {
      if (statusOf(error) !== 409) {
        ensured.delete(table);
        throw error;
      }
    });
    ensured.set(table, pending);
  }
  return pending;
}
