/** A durable timer the runtime waits for: the TimerCreated event of an instance's execution. */
export interface ArmedTimer {
  instanceId: string;
  executionId: string;
  taskId: number;
  fireAt: number;
}

/**
 * The durable timers armed in this process. On virtual time the runtime asks for the earliest
 * and jumps there when idle; on real time `wakeOnRealTime` sets one Node timer for the earliest
 * (re-armed as timers come and go; waits beyond Node's 24.8-day limit wake early and re-arm).
 */
export class DurableTimers {
  private readonly armed = new Map<string, ArmedTimer>();
  private handle: NodeJS.Timeout | undefined;
  private handleAt = Infinity;

  constructor(private readonly onWake: () => void) {}

  get size(): number {
    return this.armed.size;
  }

  arm(timer: ArmedTimer): void {
    this.armed.set(`${timer.instanceId}|${timer.executionId}|${timer.taskId}`, timer);
  }

  dropInstance(instanceId: string): void {
    for (const [key, timer] of this.armed)
      if (timer.instanceId === instanceId) this.armed.delete(key);
  }

  /** Drops the instance's timers the orchestrator no longer waits for (or cancelled). */
  keepOnly(instanceId: string, keep: (taskId: number) => boolean): void {
    for (const [key, timer] of this.armed)
      if (timer.instanceId === instanceId && !keep(timer.taskId)) this.armed.delete(key);
  }

  earliest(): number | undefined {
    let earliest: number | undefined;
    for (const t of this.armed.values())
      if (earliest === undefined || t.fireAt < earliest) earliest = t.fireAt;
    return earliest;
  }

  /** Removes and returns the timers due at `now`. */
  takeDue(now: number): ArmedTimer[] {
    const due: ArmedTimer[] = [];
    for (const [key, timer] of this.armed)
      if (timer.fireAt <= now) {
        this.armed.delete(key);
        due.push(timer);
      }
    return due;
  }

  wakeOnRealTime(now: number): void {
    const next = this.earliest();
    if (next === undefined || next >= this.handleAt) return;
    if (this.handle) clearTimeout(this.handle);
    this.handleAt = next;
    this.handle = setTimeout(
      () => {
        this.handle = undefined;
        this.handleAt = Infinity;
        this.onWake();
      },
      Math.min(Math.max(0, next - now), 2_147_483_647),
    );
  }

  stop(): void {
    if (this.handle) clearTimeout(this.handle);
    this.handle = undefined;
    this.handleAt = Infinity;
  }
}
