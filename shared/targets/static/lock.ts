import { RestError, type ContainerClient } from '@azure/storage-blob';
import type { Clock } from '../../clock';

/**
 * A per-output lock: a lease on a small blob in the output container. Two runs (two workers, a
 * retried activity next to a slow one) can never write the same output folder at once. The lease
 * is renewed while the work runs; a killed run's lease simply expires.
 */
export class OutputLock {
  private timer: NodeJS.Timeout | undefined;
  private lost: Error | undefined;

  private constructor(
    /** The lease id, for writes that must hold the lock. */
    readonly leaseId: string,
    private readonly release: () => Promise<void>,
    private readonly renew: () => Promise<void>,
    seconds: number,
  ) {
    this.timer = setInterval(
      () => {
        this.renew().catch((error: unknown) => {
          this.lost = error instanceof Error ? error : new Error(String(error));
        });
      },
      (seconds * 1000) / 3,
    );
    this.timer.unref();
  }

  /** Throws if the lease could not be renewed (another run may have taken over). */
  check(): void {
    if (this.lost) throw new Error(`the output lock was lost: ${this.lost.message}`);
  }

  /**
   * Claims the locked folder for one owner (recorded on the lock blob): a path template that maps
   * two assets to the same folder fails the second one instead of overwriting the first.
   */
  async claim(
    container: ContainerClient,
    blobName: string,
    owner: string,
  ): Promise<string | undefined> {
    const blob = container.getBlobClient(blobName);
    const metadata = (await blob.getProperties()).metadata ?? {};
    if (metadata.owner && metadata.owner !== owner) return metadata.owner;
    if (!metadata.owner)
      await blob.setMetadata({ ...metadata, owner }, { conditions: { leaseId: this.leaseId } });
    return undefined;
  }

  async unlock(): Promise<void> {
    clearInterval(this.timer);
    await this.release().catch(() => undefined);
  }

  /**
   * Takes the lock, waiting up to `waitMs` (clock time) for a holder's lease to end; returns
   * undefined when it stays held.
   */
  static async acquire(
    container: ContainerClient,
    blobName: string,
    seconds: number,
    clock: Clock,
    waitMs: number,
  ): Promise<OutputLock | undefined> {
    const blob = container.getBlockBlobClient(blobName);
    try {
      await blob.upload('', 0, { conditions: { ifNoneMatch: '*' } });
    } catch (error) {
      // 409 (exists, leased) and 412 (exists) both mean the blob is there already.
      if (!(error instanceof RestError && (error.statusCode === 409 || error.statusCode === 412)))
        throw error;
    }
    const deadline = clock.now() + waitMs;
    for (;;) {
      const lease = blob.getBlobLeaseClient();
      try {
        await lease.acquireLease(seconds);
        return new OutputLock(
          lease.leaseId,
          async () => {
            await lease.releaseLease();
          },
          async () => {
            await lease.renewLease();
          },
          seconds,
        );
      } catch (error) {
        if (!(error instanceof RestError && error.statusCode === 409)) throw error;
        if (clock.now() >= deadline) return undefined;
        await clock.sleep(Math.min(2000, Math.max(0, deadline - clock.now())));
      }
    }
  }
}
