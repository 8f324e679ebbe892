import type { TableClient } from '@azure/data-tables';
import type { Clock } from '../clock';
import { ensureTable, statusOf } from '../storage/table-util';

/**
 * Debounces blob events per container in Table storage (Functions scale out, so process memory
 * would debounce per instance only). The first event of a burst wins a conditional write and is
 * the one that acts; every event whose own time falls inside the window it opened is absorbed.
 * Windows follow the events' times, not the arrival order: a duplicate or a late, out-of-order
 * event of a burst that was already acted on changes nothing.
 */
const PARTITION = 'debounce';
const ATTEMPTS = 8;

interface DebounceEntity {
  partitionKey: string;
  rowKey: string;
  /** Event-time (ms) until which events of this key are covered by the last action. */
  coveredUntil: number;
  /** The event that opened the window, and whether its action completed. */
  openedBy: string;
  state: 'acting' | 'done';
  /** When (host clock) the action started; a redelivery takes over an action that stalled. */
  actingSince: number;
}

export type Admission = 'act' | 'absorbed';

export class BlobEventDebouncer {
  constructor(
    private readonly table: TableClient,
    private readonly clock: Clock,
    readonly windowMs = 10 * 60_000,
    /** How long an action may take before a redelivery of its event acts again. */
    private readonly stallMs = 60_000,
  ) {}

  /**
   * 'act' for exactly one event per window, 'absorbed' for the rest. If that event is redelivered
   * because its action never completed (the host died), the redelivery acts once the action has
   * stalled for `stallMs`; a concurrent duplicate of it is absorbed.
   */
  async admit(key: string, eventId: string, eventTime?: number): Promise<Admission> {
    await ensureTable(this.table);
    const at = eventTime !== undefined && Number.isFinite(eventTime) ? eventTime : this.clock.now();
    const rowKey = encodeURIComponent(key);
    const opened: DebounceEntity = {
      partitionKey: PARTITION,
      rowKey,
      coveredUntil: at + this.windowMs,
      openedBy: eventId,
      state: 'acting',
      actingSince: this.clock.now(),
    };
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const row = await this.read(rowKey);
      if (!row) {
        try {
          await this.table.createEntity(opened);
          return 'act';
        } catch (error) {
          if (statusOf(error) === 409) continue;
          throw error;
        }
      }
      if (row.openedBy === eventId) {
        const stalled =
          row.state === 'acting' && this.clock.now() - Number(row.actingSince) >= this.stallMs;
        if (!stalled) return 'absorbed';
        opened.coveredUntil = Number(row.coveredUntil);
      } else if (at <= Number(row.coveredUntil)) return 'absorbed';
      try {
        await this.table.updateEntity(opened, 'Replace', { etag: row.etag });
        return 'act';
      } catch (error) {
        if (statusOf(error) === 412 || statusOf(error) === 404) continue;
        throw error;
      }
    }
    // Lost every race: others are acting on this very burst right now.
    return 'absorbed';
  }

  /** Records that the action of the window `eventId` opened is done. */
  async done(key: string, eventId: string): Promise<void> {
    const rowKey = encodeURIComponent(key);
    const row = await this.read(rowKey);
    if (!row || row.openedBy !== eventId) return;
    try {
      await this.table.updateEntity({ partitionKey: PARTITION, rowKey, state: 'done' }, 'Merge', {
        etag: row.etag,
      });
    } catch (error) {
      if (statusOf(error) !== 412) throw error;
    }
  }

  private async read(rowKey: string): Promise<(DebounceEntity & { etag: string }) | undefined> {
    try {
      return await this.table.getEntity<DebounceEntity>(PARTITION, rowKey);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }
}
