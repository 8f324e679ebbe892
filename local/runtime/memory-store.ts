import {
  matchesQuery,
  type DurableStore,
  type HistoryChunk,
  type InboxMessage,
  type InstanceQuery,
  type InstanceRecord,
  type LoadedInstance,
} from './store';

interface Entry {
  record: InstanceRecord;
  chunks: HistoryChunk[];
  inbox: Map<string, InboxMessage>;
}

/**
 * The store for unit tests and throw-away runs: everything in this process's memory. Values are
 * copied through JSON on the way in and out, as a real store would, so nobody shares objects.
 */
export class MemoryStore implements DurableStore {
  private readonly instances = new Map<string, Entry>();

  async startInstance(record: InstanceRecord, first: InboxMessage): Promise<void> {
    this.instances.set(record.instanceId, {
      record: copy(record),
      chunks: [],
      inbox: new Map([[first.id, copy(first)]]),
    });
  }

  async getInstance(instanceId: string): Promise<InstanceRecord | undefined> {
    const entry = this.instances.get(instanceId);
    return entry && copy(entry.record);
  }

  async queryInstances(query?: InstanceQuery): Promise<InstanceRecord[]> {
    return [...this.instances.values()]
      .map((e) => e.record)
      .filter((r) => matchesQuery(r, query))
      .map(copy);
  }

  async loadInstance(instanceId: string): Promise<LoadedInstance | undefined> {
    const entry = this.instances.get(instanceId);
    if (!entry) return undefined;
    const consumed = new Set(entry.chunks.flatMap((c) => c.consumed));
    return {
      record: copy(entry.record),
      history: copy(entry.chunks.flatMap((c) => c.events)),
      inbox: copy([...entry.inbox.values()].filter((m) => !consumed.has(m.id))),
    };
  }

  async addMessages(instanceId: string, messages: InboxMessage[]): Promise<void> {
    const entry = this.instances.get(instanceId);
    if (!entry) throw new Error(`No instance with ID '${instanceId}' found.`);
    for (const message of messages)
      if (!entry.inbox.has(message.id)) entry.inbox.set(message.id, copy(message));
  }

  async commit(
    record: InstanceRecord,
    chunk: HistoryChunk,
    options: { newExecution?: boolean } = {},
  ): Promise<void> {
    const entry = this.instances.get(record.instanceId);
    if (!entry) throw new Error(`No instance with ID '${record.instanceId}' found.`);
    entry.record = copy(record);
    if (options.newExecution) entry.chunks = [];
    entry.chunks.push(copy(chunk));
    for (const id of chunk.consumed) entry.inbox.delete(id);
  }

  async purge(instanceId: string): Promise<boolean> {
    return this.instances.delete(instanceId);
  }
}

function copy<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
