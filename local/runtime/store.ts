import type { StoredEvent } from './wire';

/**
 * Persistence of the local durable runtime behind a small interface. The runtime is the only
 * writer; it keeps history in memory and reads the store back only when it (re)starts.
 *
 * An instance is a record (status, input, output), its history (a list of chunks, one per
 * orchestrator episode, appended by `commit`) and an inbox of messages not yet in the history
 * (activity results, fired timers, raised events). `commit` is the point of no return of an
 * episode: the record and the new chunk are written together, and a chunk names the messages it
 * consumed, so a message left in the inbox by a crash after the commit is dropped on load.
 */

export type RuntimeStatus =
  | 'Pending'
  | 'Running'
  | 'Completed'
  | 'ContinuedAsNew'
  | 'Failed'
  | 'Canceled'
  | 'Terminated'
  | 'Suspended';

export const TERMINAL_STATUSES: readonly RuntimeStatus[] = [
  'Completed',
  'Failed',
  'Canceled',
  'Terminated',
];

export function isTerminal(status: RuntimeStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

export interface ParentReference {
  instanceId: string;
  /** The parent's sequence number of the SubOrchestrationInstanceCreated event. */
  taskId: number;
  /** The parent's execution, so a result never reaches a later execution of the parent. */
  executionId: string;
}

export interface InstanceRecord {
  instanceId: string;
  name: string;
  executionId: string;
  runtimeStatus: RuntimeStatus;
  /** JSON text of the input, output and custom status (as Azure stores them). */
  input?: string;
  output?: string;
  customStatus?: string;
  createdTime: string;
  lastUpdatedTime: string;
  parent?: ParentReference;
}

export interface InboxMessage {
  /** Unique within the instance; a message with an id already consumed is ignored. */
  id: string;
  /** The execution it is meant for; undefined means whichever is current (raised events). */
  executionId?: string;
  event: StoredEvent;
}

export interface HistoryChunk {
  events: StoredEvent[];
  consumed: string[];
}

export interface LoadedInstance {
  record: InstanceRecord;
  history: StoredEvent[];
  /** Inbox messages not consumed by the history, in arrival order. */
  inbox: InboxMessage[];
}

export interface InstanceQuery {
  createdTimeFrom?: Date;
  createdTimeTo?: Date;
  runtimeStatus?: RuntimeStatus[];
}

export interface DurableStore {
  /** Creates or replaces an instance (a replaced instance loses its history and inbox). */
  startInstance(record: InstanceRecord, first: InboxMessage): Promise<void>;
  getInstance(instanceId: string): Promise<InstanceRecord | undefined>;
  queryInstances(query?: InstanceQuery): Promise<InstanceRecord[]>;
  loadInstance(instanceId: string): Promise<LoadedInstance | undefined>;
  /** Durably adds messages to an instance's inbox (idempotent per message id). */
  addMessages(instanceId: string, messages: InboxMessage[]): Promise<void>;
  /**
   * Writes the record and appends a history chunk to the record's execution in one step. With
   * `newExecution`, the chunk starts the history of a new execution (continueAsNew) instead.
   */
  commit(
    record: InstanceRecord,
    chunk: HistoryChunk,
    options?: { newExecution?: boolean },
  ): Promise<void>;
  /** Removes an instance with its history and inbox; false when there was none. */
  purge(instanceId: string): Promise<boolean>;
  close?(): Promise<void>;
}

export function matchesQuery(record: InstanceRecord, query: InstanceQuery = {}): boolean {
  const created = Date.parse(record.createdTime);
  if (query.createdTimeFrom && created < query.createdTimeFrom.getTime()) return false;
  if (query.createdTimeTo && created > query.createdTimeTo.getTime()) return false;
  if (query.runtimeStatus && query.runtimeStatus.length > 0)
    return query.runtimeStatus.includes(record.runtimeStatus);
  return true;
}
