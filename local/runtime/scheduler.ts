/**
 * Runs activity jobs with a bound on how many run at once, fair across orchestration instances:
 * queues are kept per instance and served round-robin, so one instance fanning out 10,000
 * activities does not starve another that needs one.
 */
export class FairScheduler {
  private readonly queues = new Map<string, Array<() => Promise<void>>>();
  private readonly rotation: string[] = [];
  private active = 0;
  private waiting = 0;

  constructor(
    readonly limit: number,
    private readonly onChange: () => void = () => {},
  ) {
    if (!Number.isInteger(limit) || limit < 1)
      throw new Error(`activity concurrency must be a positive integer, got ${limit}`);
  }

  /** Jobs running now. */
  get running(): number {
    return this.active;
  }

  /** Jobs waiting for a slot. */
  get queued(): number {
    return this.waiting;
  }

  enqueue(key: string, job: () => Promise<void>): void {
    let queue = this.queues.get(key);
    if (!queue) {
      queue = [];
      this.queues.set(key, queue);
      this.rotation.push(key);
    }
    queue.push(job);
    this.waiting++;
    this.pump();
  }

  /** Drops the jobs of one key that have not started. */
  cancel(key: string): void {
    const queue = this.queues.get(key);
    if (!queue) return;
    this.waiting -= queue.length;
    this.queues.delete(key);
    const at = this.rotation.indexOf(key);
    if (at >= 0) this.rotation.splice(at, 1);
    this.onChange();
  }

  private pump(): void {
    while (this.active < this.limit && this.rotation.length > 0) {
      const key = this.rotation.shift() as string;
      const queue = this.queues.get(key);
      const job = queue?.shift();
      if (queue && queue.length > 0) this.rotation.push(key);
      else this.queues.delete(key);
      if (!job) continue;
      this.waiting--;
      this.active++;
      void job()
        .catch(() => undefined)
        .finally(() => {
          this.active--;
          this.pump();
          this.onChange();
        });
    }
  }
}
