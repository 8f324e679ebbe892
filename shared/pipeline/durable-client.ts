/**
 * The part of a durable client the triggers use. Durable Functions' `DurableClient` (in Azure) and
 * the local runtime's client (on one machine) both have this shape, so the same trigger logic
 * drives either host. Kept free of Azure Functions types on purpose.
 */

/** Runtime statuses as both hosts spell them. */
export type RuntimeStatus =
  | 'Pending'
  | 'Running'
  | 'ContinuedAsNew'
  | 'Suspended'
  | 'Completed'
  | 'Failed'
  | 'Terminated'
  | 'Canceled';

export interface InstanceStatus {
  name: string;
  instanceId: string;
  createdTime: Date | string;
  lastUpdatedTime: Date | string;
  runtimeStatus: string;
  input?: unknown;
  output?: unknown;
  customStatus?: unknown;
}

export interface MigrationClient {
  startNew(name: string, options: { instanceId: string; input: unknown }): Promise<string>;
  getStatus(
    instanceId: string,
    options?: { showInput?: boolean; showHistory?: boolean },
  ): Promise<InstanceStatus | undefined | null>;
  getStatusBy(filter: { runtimeStatus?: never[] | string[] }): Promise<InstanceStatus[]>;
  raiseEvent(instanceId: string, eventName: string, eventData: unknown): Promise<void>;
}

const ACTIVE = new Set(['Pending', 'Running', 'ContinuedAsNew', 'Suspended']);

/** Still able to receive events (and must not be started again). */
export function isActive(status: InstanceStatus): boolean {
  return ACTIVE.has(status.runtimeStatus);
}

/**
 * The instance's status, or undefined when there is none. Durable Functions' client throws on the
 * extension's 404; the local runtime may answer undefined. Both mean "no such instance".
 */
export async function findInstance(
  client: MigrationClient,
  instanceId: string,
  options?: { showInput?: boolean },
): Promise<InstanceStatus | undefined> {
  try {
    return (await client.getStatus(instanceId, options)) ?? undefined;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

function isNotFound(error: unknown): boolean {
  const status = (error as { statusCode?: unknown; status?: unknown } | undefined) ?? {};
  if (status.statusCode === 404 || status.status === 404) return true;
  return error instanceof Error && /\b404\b|not found/i.test(error.message);
}
