import type { Clock } from '../../shared/clock';

/** A budget: `limit` requests per `perMs` of emulator time, with bursts up to `burst` (default limit). */
export interface Budget {
  limit: number;
  perMs: number;
  burst?: number;
}

export interface Budgets {
  /** ARM reads (GET) per subscription. */
  subscriptionReads: Budget;
  /** ARM writes (PUT, PATCH, DELETE, POST) per subscription. */
  subscriptionWrites: Budget;
  /** listContentKeys and getPolicyPropertiesWithSecrets per AMS account. */
  contentKeys: Budget;
}

const HOUR = 3_600_000;

/**
 * Defaults: ARM's subscription token buckets (reads 250 burst refilled at 25/s, writes 200 burst
 * refilled at 10/s) and AMS's content-key limit of about 1,200 an hour per account.
 */
export const defaultBudgets: Budgets = {
  subscriptionReads: { limit: 25, perMs: 1_000, burst: 250 },
  subscriptionWrites: { limit: 10, perMs: 1_000, burst: 200 },
  contentKeys: { limit: 1_200, perMs: HOUR },
};

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets keyed by scope (subscription, account), refilled on the emulator's clock. */
export class Throttle {
  private buckets = new Map<string, Bucket>();

  constructor(
    private readonly clock: Clock,
    public budgets: Budgets = { ...defaultBudgets },
  ) {}

  setBudgets(partial: Partial<Budgets>): void {
    this.budgets = { ...this.budgets, ...partial };
    this.buckets.clear();
  }

  reset(): void {
    this.buckets.clear();
  }

  /**
   * Takes one token. Returns undefined when allowed, or the seconds (emulator time, at least 1)
   * to wait before one is available.
   */
  take(kind: keyof Budgets, scope: string): { retryAfterSeconds?: number; remaining: number } {
    const budget = this.budgets[kind];
    const capacity = budget.burst ?? budget.limit;
    const ratePerMs = budget.limit / budget.perMs;
    const key = `${kind}|${scope}`;
    const now = this.clock.now();
    const bucket = this.buckets.get(key) ?? { tokens: capacity, at: now };
    bucket.tokens = Math.min(
      capacity,
      bucket.tokens + (Math.max(0, now - bucket.at) * budget.limit) / budget.perMs,
    );
    bucket.at = now;
    this.buckets.set(key, bucket);
    // A whole token, allowing for floating-point dust.
    if (bucket.tokens >= 1 - 1e-9) {
      bucket.tokens = Math.max(1, bucket.tokens);
      bucket.tokens -= 1;
      return { remaining: Math.floor(bucket.tokens) };
    }
    const waitMs = (1 - bucket.tokens) / ratePerMs;
    return { retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)), remaining: 0 };
  }
}
