import type { TableClient } from '@azure/data-tables';
import type { Clock } from '../clock';
import type { StartGuard } from '../pipeline/start-migration';
import { ensureTable, statusOf } from '../storage/table-util';

/**
 * A short lease on "I am starting this instance", in Table storage. Checking the status and then
 * starting is not atomic: a sweep, a portal call and a blob event (on different Functions
 * instances) could all see "no instance" and start it. Only the caller that wins the conditional
 * insert (or replaces an expired lease by its ETag) starts; the others answer with the status.
 */
const PARTITION = 'start';

/** A claim held: released once the start is visible in the instance's status. */
export interface Claim {
  release(): Promise<void>;
}

interface ClaimEntity {
  partitionKey: string;
  rowKey: string;
  claimedAt: number;
  by: string;
}

export class StartClaims implements StartGuard {
  constructor(
    private readonly table: TableClient,
    private readonly clock: Clock,
    /** Long enough to cover one status check plus one start; short enough to allow restarts. */
    private readonly leaseMs = 60_000,
  ) {}

  /**
   * A claim (to release once started) when the caller may start `instanceId` now, else undefined.
   */
  async claim(instanceId: string, by: string): Promise<Claim | undefined> {
    await ensureTable(this.table);
    const rowKey = encodeURIComponent(instanceId);
    const entity: ClaimEntity = {
      partitionKey: PARTITION,
      rowKey,
      claimedAt: this.clock.now(),
      by,
    };
    try {
      const created = await this.table.createEntity(entity);
      return this.held(rowKey, created.etag);
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
    }
    let existing: ClaimEntity & { etag: string };
    try {
      existing = await this.table.getEntity<ClaimEntity>(PARTITION, rowKey);
    } catch (error) {
      // Released between our insert and this read: someone just started it.
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
    if (this.clock.now() - Number(existing.claimedAt) < this.leaseMs) return undefined;
    try {
      const replaced = await this.table.updateEntity(entity, 'Replace', { etag: existing.etag });
      return this.held(rowKey, replaced.etag);
    } catch (error) {
      if (statusOf(error) === 412 || statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  private held(rowKey: string, etag: string | undefined): Claim {
    return { release: () => this.release(rowKey, etag ?? '*') };
  }

  private async release(rowKey: string, etag: string): Promise<void> {
    try {
      await this.table.deleteEntity(PARTITION, rowKey, { etag });
    } catch (error) {
      // Already expired and taken over, or gone: nothing of ours to release.
      if (statusOf(error) !== 412 && statusOf(error) !== 404) throw error;
    }
  }
}
