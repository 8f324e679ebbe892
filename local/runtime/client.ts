import { randomUUID } from 'node:crypto';
import type {
  DurableClient,
  DurableOrchestrationStatus,
  GetStatusOptions,
  OrchestrationFilter,
  OrchestrationRuntimeStatus,
  PurgeHistoryResult,
  StartNewOptions,
} from 'durable-functions';
import type { DurableRuntime } from './runtime';
import type { InstanceRecord, RuntimeStatus } from './store';
import { toStored } from './wire';

/**
 * The part of the durable-functions `DurableClient` that the app's trigger handlers may use. Type
 * handlers against this, and they run unchanged with the Functions host's client or the local one.
 */
export type OrchestrationClient = Pick<
  DurableClient,
  | 'startNew'
  | 'getStatus'
  | 'getStatusBy'
  | 'getStatusAll'
  | 'raiseEvent'
  | 'terminate'
  | 'purgeInstanceHistory'
  | 'purgeInstanceHistoryBy'
>;

/** The local runtime's client: same methods, arguments, errors and status objects as Azure's. */
export class LocalDurableClient implements OrchestrationClient {
  constructor(private readonly runtime: DurableRuntime) {}

  async startNew(orchestratorFunctionName: string, options?: StartNewOptions): Promise<string> {
    if (!orchestratorFunctionName)
      throw new Error('orchestratorFunctionName must be a valid string.');
    const instanceId = options?.instanceId ?? randomUUID().replace(/-/g, '');
    await this.runtime.startInstance(orchestratorFunctionName, instanceId, options?.input);
    return instanceId;
  }

  async getStatus(
    instanceId: string,
    options: GetStatusOptions = {},
  ): Promise<DurableOrchestrationStatus> {
    const record = await this.runtime.getRecord(instanceId);
    if (!record)
      throw new Error(
        `DurableClient error: Durable Functions extension replied with HTTP 404 response. ` +
          `This usually means we could not find any data associated with the instanceId provided: ${instanceId}.`,
      );
    const status = toStatus(record, options.showInput !== false);
    if (!options.showHistory) return status;
    const history = (await this.runtime.getHistory(instanceId)) ?? [];
    return { ...status, history: history.map(toStored) };
  }

  async getStatusAll(): Promise<DurableOrchestrationStatus[]> {
    return this.getStatusBy({});
  }

  async getStatusBy(filter: OrchestrationFilter): Promise<DurableOrchestrationStatus[]> {
    const records = await this.runtime.store.queryInstances({
      ...(filter.createdTimeFrom ? { createdTimeFrom: filter.createdTimeFrom } : {}),
      ...(filter.createdTimeTo ? { createdTimeTo: filter.createdTimeTo } : {}),
      ...(filter.runtimeStatus
        ? { runtimeStatus: filter.runtimeStatus as string[] as RuntimeStatus[] }
        : {}),
    });
    return records.map((r) => toStatus(r, true));
  }

  async raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void> {
    if (!eventName) throw new Error('eventName must be a valid string.');
    await this.runtime.raiseEvent(instanceId, eventName, eventData);
  }

  async terminate(instanceId: string, reason: string): Promise<void> {
    await this.runtime.terminate(instanceId, reason);
  }

  async purgeInstanceHistory(instanceId: string): Promise<PurgeHistoryResult> {
    return { instancesDeleted: await this.runtime.purge(instanceId) };
  }

  async purgeInstanceHistoryBy(filter: OrchestrationFilter): Promise<PurgeHistoryResult> {
    const statuses = await this.getStatusBy(filter);
    let deleted = 0;
    for (const status of statuses) deleted += await this.runtime.purge(status.instanceId);
    return { instancesDeleted: deleted };
  }
}

function parse(text: string | undefined): unknown {
  return text === undefined ? null : JSON.parse(text);
}

/** The status object Azure's client returns (null for absent input, output and custom status). */
export function toStatus(record: InstanceRecord, showInput: boolean): DurableOrchestrationStatus {
  return {
    name: record.name,
    instanceId: record.instanceId,
    createdTime: new Date(record.createdTime),
    lastUpdatedTime: new Date(record.lastUpdatedTime),
    input: showInput ? parse(record.input) : null,
    output: parse(record.output),
    runtimeStatus: record.runtimeStatus as OrchestrationRuntimeStatus,
    customStatus: parse(record.customStatus),
  };
}
