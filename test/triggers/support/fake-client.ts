import type { InstanceStatus, MigrationClient } from '../../../shared/pipeline/durable-client';

/**
 * An in-memory stand-in for the durable client, for unit tests of the handlers' request and
 * response logic only (the tests that matter for duplicates run on the local runtime once it is on
 * main). It keeps what a real client would: instances, their status, and the events raised.
 */
export class FakeDurableClient implements MigrationClient {
  readonly instances = new Map<string, InstanceStatus>();
  readonly started: Array<{ name: string; instanceId: string; input: unknown }> = [];
  readonly events: Array<{ instanceId: string; eventName: string; eventData: unknown }> = [];
  /** Delay of startNew, to widen race windows. */
  startDelayMs = 0;

  async startNew(name: string, options: { instanceId: string; input: unknown }): Promise<string> {
    if (this.startDelayMs) await new Promise((r) => setTimeout(r, this.startDelayMs));
    const now = new Date();
    this.started.push({ name, instanceId: options.instanceId, input: options.input });
    this.instances.set(options.instanceId, {
      name,
      instanceId: options.instanceId,
      createdTime: now,
      lastUpdatedTime: now,
      runtimeStatus: 'Pending',
      input: options.input,
    });
    return options.instanceId;
  }

  async getStatus(instanceId: string): Promise<InstanceStatus> {
    const status = this.instances.get(instanceId);
    if (!status)
      throw new Error(
        `DurableClient error: Durable Functions extension replied with HTTP 404 response. (${instanceId})`,
      );
    return { ...status };
  }

  async getStatusBy(filter: { runtimeStatus?: string[] }): Promise<InstanceStatus[]> {
    return [...this.instances.values()].filter(
      (s) => !filter.runtimeStatus?.length || filter.runtimeStatus.includes(s.runtimeStatus),
    );
  }

  async raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void> {
    if (!this.instances.has(instanceId)) throw new Error(`HTTP 404: no instance ${instanceId}`);
    this.events.push({ instanceId, eventName, eventData });
  }

  /** Test helper: move an instance along as the orchestration would. */
  set(instanceId: string, patch: Partial<InstanceStatus>): void {
    const status = this.instances.get(instanceId);
    if (!status) throw new Error(`no instance ${instanceId}`);
    this.instances.set(instanceId, { ...status, ...patch, lastUpdatedTime: new Date() });
  }
}
