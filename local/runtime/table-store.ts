import { randomUUID } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';
import type { TableClient, TableEntity, TransactionAction } from '@azure/data-tables';
import { blobService, tableClient } from '../../shared/storage/clients';
import type { StorageSettings } from '../../shared/config';
import {
  matchesQuery,
  type DurableStore,
  type HistoryChunk,
  type InboxMessage,
  type InstanceQuery,
  type InstanceRecord,
  type LoadedInstance,
  type RuntimeStatus,
} from './store';
import type { StoredEvent } from './wire';

/** Azure Tables allows 64 KiB per string property (32K UTF-16 characters); larger goes to a blob. */
const MAX_INLINE_CHARS = 30_000;
const BLOB_PREFIX = 'blob:';
const INSTANCE_ROW = 'instance';
const TRANSACTION_LIMIT = 100;
const PARALLEL_WRITES = 4;

export interface TableStoreOptions {
  storage: StorageSettings;
  /** Table for instances, history and inboxes (created if missing). */
  table: string;
  /** Blob container for payloads too large for a table property (created if missing). */
  container: string;
}

type Row = TableEntity<Record<string, unknown>>;

interface Outbox {
  messages: InboxMessage[];
  waiters: Array<{ resolve: () => void; reject: (error: unknown) => void; count: number }>;
  writing: number;
}

/** Rows read back always carry their keys; the SDK's result type leaves them optional. */
function asRow(entity: { partitionKey?: string; rowKey?: string } & Record<string, unknown>): Row {
  return { ...entity, partitionKey: entity.partitionKey ?? '', rowKey: entity.rowKey ?? '' };
}

/**
 * The durable store on Azure Table storage (Azurite locally, a storage account for command-line
 * runs), with large payloads in blobs. One partition per instance: an `instance` row, one row per
 * history chunk and one per inbox message. A commit writes the chunk and the instance row in one
 * entity-group transaction, so a process killed at any moment leaves either both or neither.
 */
export class TableStore implements DurableStore {
  private readonly table: TableClient;
  private readonly container: ContainerClient;
  private ready: Promise<void> | undefined;
  /** Chunks committed per instance (the runtime is the only writer). */
  private readonly chunkCounts = new Map<string, number>();
  private readonly outbox = new Map<string, Outbox>();
  private readonly cleanups = new Set<Promise<void>>();
  private arrival = 0;

  constructor(options: TableStoreOptions) {
    this.table = tableClient(options.storage, options.table);
    this.container = blobService(options.storage).getContainerClient(options.container);
  }

  private init(): Promise<void> {
    this.ready ??= (async () => {
      await this.table.createTable();
      await this.container.createIfNotExists();
    })().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    return this.ready;
  }

  async startInstance(record: InstanceRecord, first: InboxMessage): Promise<void> {
    await this.init();
    const pk = partition(record.instanceId);
    await this.deleteRows(pk, (row) => row.rowKey !== INSTANCE_ROW);
    this.chunkCounts.set(record.instanceId, 0);
    await this.transact([
      ['upsert', await this.messageRow(pk, first), 'Replace'],
      ['upsert', await this.instanceRow(record, 0), 'Replace'],
    ]);
  }

  async getInstance(instanceId: string): Promise<InstanceRecord | undefined> {
    await this.init();
    try {
      const row = await this.table.getEntity<Record<string, unknown>>(
        partition(instanceId),
        INSTANCE_ROW,
      );
      return await this.toRecord(asRow(row));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async queryInstances(query?: InstanceQuery): Promise<InstanceRecord[]> {
    await this.init();
    const records: InstanceRecord[] = [];
    const rows = this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: `RowKey eq '${INSTANCE_ROW}'` },
    });
    for await (const entity of rows) {
      const record = await this.toRecord(asRow(entity));
      if (matchesQuery(record, query)) records.push(record);
    }
    return records;
  }

  async loadInstance(instanceId: string): Promise<LoadedInstance | undefined> {
    await this.init();
    const pk = partition(instanceId);
    let instanceRow: Row | undefined;
    const chunks: Row[] = [];
    const messages: Row[] = [];
    for await (const entity of this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: `PartitionKey eq '${escapeOData(pk)}'` },
    })) {
      const row = asRow(entity);
      if (row.rowKey === INSTANCE_ROW) instanceRow = row;
      else if (row.rowKey.startsWith('h-')) chunks.push(row);
      else if (row.rowKey.startsWith('m-')) messages.push(row);
    }
    if (!instanceRow) return undefined;
    const record = await this.toRecord(instanceRow);
    const count = Number(instanceRow.chunks ?? 0);
    this.chunkCounts.set(instanceId, count);
    const prefix = `h-${record.executionId}-`;
    const current = chunks
      .filter(
        (row) => row.rowKey.startsWith(prefix) && Number(row.rowKey.slice(prefix.length)) < count,
      )
      .sort((a, b) => a.rowKey.localeCompare(b.rowKey));
    const history: StoredEvent[] = [];
    const consumed = new Set<string>();
    for (const row of current) {
      const chunk = JSON.parse(await this.readText(row.chunk)) as HistoryChunk;
      history.push(...chunk.events);
      for (const id of chunk.consumed) consumed.add(id);
    }
    const inbox: Array<InboxMessage & { order: number }> = [];
    for (const row of messages) {
      const message = JSON.parse(await this.readText(row.message)) as InboxMessage;
      if (!consumed.has(message.id)) inbox.push({ ...message, order: Number(row.order ?? 0) });
    }
    inbox.sort((a, b) => a.order - b.order);
    return { record, history, inbox: inbox.map(({ order: _order, ...m }) => m) };
  }

  /**
   * Group commit: messages to one instance that arrive while writes to it are under way are
   * written together in the next entity-group transaction (up to four transactions at once per
   * instance), so the busier the fan-out, the fewer requests per message. A caller's promise
   * resolves only once its message is stored.
   */
  addMessages(instanceId: string, messages: InboxMessage[]): Promise<void> {
    return new Promise((resolve, reject) => {
      let pending = this.outbox.get(instanceId);
      if (!pending) {
        pending = { messages: [], waiters: [], writing: 0 };
        this.outbox.set(instanceId, pending);
      }
      pending.messages.push(...messages);
      pending.waiters.push({ resolve, reject, count: messages.length });
      this.flush(instanceId, pending);
    });
  }

  private flush(instanceId: string, pending: Outbox): void {
    while (pending.writing < PARALLEL_WRITES && pending.waiters.length > 0) {
      // Whole callers only, up to one transaction's worth of rows.
      let take = 0;
      let rows = 0;
      while (
        take < pending.waiters.length &&
        (take === 0 || rows + (pending.waiters[take]?.count ?? 0) <= TRANSACTION_LIMIT)
      )
        rows += pending.waiters[take++]?.count ?? 0;
      const waiters = pending.waiters.splice(0, take);
      const messages = pending.messages.splice(0, rows);
      pending.writing++;
      void this.write(instanceId, messages)
        .then(
          () => waiters.forEach((w) => w.resolve()),
          (error: unknown) => waiters.forEach((w) => w.reject(error)),
        )
        .finally(() => {
          pending.writing--;
          if (pending.waiters.length > 0) this.flush(instanceId, pending);
          else if (pending.writing === 0 && this.outbox.get(instanceId) === pending)
            this.outbox.delete(instanceId);
        });
    }
  }

  private async write(instanceId: string, messages: InboxMessage[]): Promise<void> {
    await this.init();
    const pk = partition(instanceId);
    const rows = await Promise.all(messages.map((m) => this.messageRow(pk, m)));
    for (let i = 0; i < rows.length; i += TRANSACTION_LIMIT)
      await this.transact(
        rows.slice(i, i + TRANSACTION_LIMIT).map((row) => ['upsert', row, 'Replace']),
      );
  }

  async commit(
    record: InstanceRecord,
    chunk: HistoryChunk,
    options: { newExecution?: boolean } = {},
  ): Promise<void> {
    await this.init();
    const pk = partition(record.instanceId);
    const previous = options.newExecution ? 0 : await this.chunkCount(record.instanceId);
    const chunkRow: Row = {
      partitionKey: pk,
      rowKey: `h-${record.executionId}-${String(previous).padStart(8, '0')}`,
      chunk: await this.inline(record.instanceId, JSON.stringify(chunk)),
    };
    await this.transact([
      ['upsert', chunkRow, 'Replace'],
      ['upsert', await this.instanceRow(record, previous + 1), 'Replace'],
    ]);
    this.chunkCounts.set(record.instanceId, previous + 1);
    // Consumed messages are dropped on load anyway; deleting them, off the episode's path, keeps
    // the partition small.
    const consumed = [...new Set(chunk.consumed.map((id) => messageKey(id)))];
    if (consumed.length > 0) {
      const cleanup = this.deleteKeys(pk, consumed)
        .catch(() => undefined)
        .finally(() => this.cleanups.delete(cleanup));
      this.cleanups.add(cleanup);
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.cleanups]);
  }

  async purge(instanceId: string): Promise<boolean> {
    await this.init();
    const found = await this.deleteRows(partition(instanceId), () => true);
    this.chunkCounts.delete(instanceId);
    for await (const blob of this.container.listBlobsFlat({ prefix: `${partition(instanceId)}/` }))
      await this.container.deleteBlob(blob.name).catch(() => undefined);
    return found > 0;
  }

  private async chunkCount(instanceId: string): Promise<number> {
    const known = this.chunkCounts.get(instanceId);
    if (known !== undefined) return known;
    const row = await this.table.getEntity<Record<string, unknown>>(
      partition(instanceId),
      INSTANCE_ROW,
    );
    const count = Number(row.chunks ?? 0);
    this.chunkCounts.set(instanceId, count);
    return count;
  }

  private async instanceRow(record: InstanceRecord, chunks: number): Promise<Row> {
    return {
      partitionKey: partition(record.instanceId),
      rowKey: INSTANCE_ROW,
      instanceId: record.instanceId,
      name: record.name,
      executionId: record.executionId,
      runtimeStatus: record.runtimeStatus,
      createdTime: record.createdTime,
      lastUpdatedTime: record.lastUpdatedTime,
      chunks,
      ...(record.input !== undefined
        ? { input: await this.inline(record.instanceId, record.input) }
        : {}),
      ...(record.output !== undefined
        ? { output: await this.inline(record.instanceId, record.output) }
        : {}),
      ...(record.customStatus !== undefined
        ? { customStatus: await this.inline(record.instanceId, record.customStatus) }
        : {}),
      ...(record.parent ? { parent: JSON.stringify(record.parent) } : {}),
    };
  }

  private async toRecord(row: Row): Promise<InstanceRecord> {
    const text = async (value: unknown) =>
      value === undefined || value === null ? undefined : this.readText(value);
    const [input, output, customStatus] = await Promise.all([
      text(row.input),
      text(row.output),
      text(row.customStatus),
    ]);
    if (
      typeof row.instanceId !== 'string' ||
      typeof row.name !== 'string' ||
      typeof row.executionId !== 'string'
    )
      throw new Error(`instance row ${row.partitionKey} is malformed`);
    return {
      instanceId: row.instanceId,
      name: row.name,
      executionId: row.executionId,
      runtimeStatus: String(row.runtimeStatus) as RuntimeStatus,
      createdTime: String(row.createdTime),
      lastUpdatedTime: String(row.lastUpdatedTime),
      ...(input !== undefined ? { input } : {}),
      ...(output !== undefined ? { output } : {}),
      ...(customStatus !== undefined ? { customStatus } : {}),
      ...(typeof row.parent === 'string'
        ? { parent: JSON.parse(row.parent) as InstanceRecord['parent'] }
        : {}),
    };
  }

  private async messageRow(pk: string, message: InboxMessage): Promise<Row> {
    return {
      partitionKey: pk,
      rowKey: messageKey(message.id),
      order: Date.now() * 1000 + (this.arrival++ % 1000),
      message: await this.inline(decodeURIComponent(pk), JSON.stringify(message)),
    };
  }

  /** The text itself, or a reference to a blob holding it when it is too large for a property. */
  private async inline(instanceId: string, text: string): Promise<string> {
    if (text.length <= MAX_INLINE_CHARS && !text.startsWith(BLOB_PREFIX)) return text;
    const name = `${partition(instanceId)}/${randomUUID()}.json`;
    await this.container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });
    return `${BLOB_PREFIX}${name}`;
  }

  private async readText(value: unknown): Promise<string> {
    if (typeof value !== 'string') throw new Error('stored value is not text');
    if (!value.startsWith(BLOB_PREFIX)) return value;
    const buffer = await this.container
      .getBlockBlobClient(value.slice(BLOB_PREFIX.length))
      .downloadToBuffer();
    return buffer.toString('utf8');
  }

  private async transact(actions: TransactionAction[]): Promise<void> {
    if (actions.length === 0) return;
    await this.table.submitTransaction(actions);
  }

  private async deleteRows(pk: string, keep: (row: Row) => boolean): Promise<number> {
    const keys: string[] = [];
    for await (const entity of this.table.listEntities<Record<string, unknown>>({
      queryOptions: { filter: `PartitionKey eq '${escapeOData(pk)}'`, select: ['RowKey'] },
    })) {
      const row = asRow(entity);
      if (keep(row)) keys.push(row.rowKey);
    }
    await this.deleteKeys(pk, keys);
    return keys.length;
  }

  private async deleteKeys(pk: string, keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += TRANSACTION_LIMIT) {
      const slice = keys.slice(i, i + TRANSACTION_LIMIT);
      try {
        await this.transact(slice.map((rowKey) => ['delete', { partitionKey: pk, rowKey }]));
      } catch {
        // One row already gone fails the whole group: delete one by one, ignoring the missing.
        await Promise.all(
          slice.map((rowKey) =>
            this.table.deleteEntity(pk, rowKey).catch((error: unknown) => {
              if (statusOf(error) !== 404) throw error;
            }),
          ),
        );
      }
    }
  }
}

/** Table keys may not contain / \ # ? or control characters. */
function partition(instanceId: string): string {
  return encodeURIComponent(instanceId);
}

function messageKey(id: string): string {
  return `m-${encodeURIComponent(id)}`;
}

function escapeOData(value: string): string {
  return value.replace(/'/g, "''");
}

function statusOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'statusCode' in error
    ? Number((error as { statusCode: unknown }).statusCode)
    : undefined;
}

/**
 * The table store of a task hub (`LIFEBOAT_TASK_HUB`): table `<hub>Runtime` and blob container
 * `<hub>-runtime`, so runs of different hubs in one storage account never meet.
 */
export function taskHubStore(storage: StorageSettings, taskHub: string): TableStore {
  if (!/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(taskHub))
    throw new Error(
      `task hub name "${taskHub}" must be 3-45 letters and digits, starting with a letter`,
    );
  return new TableStore({
    storage,
    table: `${taskHub}Runtime`,
    container: `${taskHub.toLowerCase()}-runtime`,
  });
}
