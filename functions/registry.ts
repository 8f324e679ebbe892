import * as df from 'durable-functions';
import type { ActivityHandler, OrchestrationHandler } from 'durable-functions';

/**
 * Every orchestration and activity of the app, by name. The Functions entry registers them with
 * the Durable extension and the local runtime (local/) runs the very same handlers, so nothing is
 * registered twice by hand. Modules add to this registry with `defineOrchestration` and
 * `defineActivity`, and are imported from `functions/index.ts`.
 */
export interface Registry {
  readonly orchestrations: ReadonlyMap<string, OrchestrationHandler>;
  readonly activities: ReadonlyMap<string, ActivityHandler>;
}

const orchestrations = new Map<string, OrchestrationHandler>();
const activities = new Map<string, ActivityHandler>();

export const registry: Registry = { orchestrations, activities };

export function defineOrchestration(name: string, handler: OrchestrationHandler): string {
  if (orchestrations.has(name)) throw new Error(`orchestration "${name}" is defined twice`);
  orchestrations.set(name, handler);
  df.app.orchestration(name, handler);
  return name;
}

export function defineActivity(name: string, handler: ActivityHandler): string {
  if (activities.has(name)) throw new Error(`activity "${name}" is defined twice`);
  activities.set(name, handler);
  df.app.activity(name, { handler });
  return name;
}

/**
 * A registry of one's own, for tests and tools that run a chosen set of handlers on the local
 * runtime without touching the app's registry or the Functions host.
 */
export function createRegistry(
  orchestrationHandlers: Record<string, OrchestrationHandler> = {},
  activityHandlers: Record<string, ActivityHandler> = {},
): Registry {
  return {
    orchestrations: new Map(Object.entries(orchestrationHandlers)),
    activities: new Map(Object.entries(activityHandlers)),
  };
}
