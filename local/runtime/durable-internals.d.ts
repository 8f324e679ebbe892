/**
 * The parts of the durable-functions 3 package's replay executor that the local runtime drives.
 * They are not in the package's public typings; runtime checks in replay.ts confirm the shapes.
 */
declare module 'durable-functions/lib/src/orchestrations/Orchestrator' {
  export class Orchestrator {
    constructor(fn: unknown);
    handle(orchestrationTrigger: unknown, context: unknown): Promise<unknown>;
    /** Set by handle(): the executor of the last run, whose open tasks carry the assigned ids. */
    taskOrchestrationExecutor?: unknown;
  }
}

declare module 'durable-functions/lib/src/task' {
  export class TaskBase {
    id: number | string | false;
    get hasResult(): boolean;
    parent?: unknown;
    get actionObj(): unknown;
  }
  export class NoOpTask extends TaskBase {}
  export class WhenAllTask extends TaskBase {
    children: TaskBase[];
  }
  export class AtomicTask extends TaskBase {}
  export class CompoundTask extends TaskBase {}
  export class DFTimerTask extends TaskBase {}
  export class LongTimerTask extends WhenAllTask {
    children: unknown[];
  }
  export class RetryableTask extends WhenAllTask {
    innerTask: TaskBase;
    retryOptions: unknown;
    isWaitingOnTimer: boolean;
    attemptNumber: number;
  }
}
