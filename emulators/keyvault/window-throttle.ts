import type { Clock } from '../../shared/clock';

/** Key Vault's limit: at most `limit` requests in any `windowMs` per vault (default 4,000 / 10 s). */
export interface VaultBudget {
  limit: number;
  windowMs: number;
}

export const defaultVaultBudget: VaultBudget = { limit: 4_000, windowMs: 10_000 };

/**
 * A sliding window of accepted requests. Requests answered 429 do not count against the limit,
 * as Key Vault documents.
 */
export class WindowThrottle {
  private accepted: number[] = [];

  constructor(
    private readonly clock: Clock,
    public budget: VaultBudget = { ...defaultVaultBudget },
  ) {}

  set(budget: VaultBudget): void {
    this.budget = { ...budget };
    this.accepted = [];
  }

  /** Takes a slot, or answers the whole seconds (at least 1) until one frees up. */
  take(): { retryAfterSeconds?: number } {
    const now = this.clock.now();
    const since = now - this.budget.windowMs;
    let drop = 0;
    while (drop < this.accepted.length && this.accepted[drop]! <= since) drop++;
    if (drop) this.accepted.splice(0, drop);
    if (this.accepted.length < this.budget.limit) {
      this.accepted.push(now);
      return {};
    }
    const oldest = this.accepted[0]!;
    const waitMs = oldest + this.budget.windowMs - now;
    return { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)) };
  }
}
