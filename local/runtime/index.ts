/** The local durable runtime: the app's orchestrations on one machine, on real or virtual time. */
export { DurableRuntime, type RuntimeOptions, type RuntimeLogger } from './runtime';
export { LocalDurableClient, type OrchestrationClient, toStatus } from './client';
export { VirtualClock } from './virtual-clock';
export { MemoryStore } from './memory-store';
export { TableStore, taskHubStore, type TableStoreOptions } from './table-store';
export type {
  DurableStore,
  InstanceRecord,
  InboxMessage,
  HistoryChunk,
  LoadedInstance,
  RuntimeStatus,
} from './store';
export type { WireEvent, StoredEvent } from './wire';
