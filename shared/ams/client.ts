import { Agent } from 'node:https';
import { AzureMediaServices } from '@azure/arm-mediaservices';
import type { TokenCredential } from '@azure/core-auth';
import {
  bearerTokenAuthenticationPolicy,
  bearerTokenAuthenticationPolicyName,
  type PipelinePolicy,
} from '@azure/core-rest-pipeline';
import type { Clock } from '../clock';
import { emptyStats, type CallStats } from './call-stats';
import { PacerPool, TokenBucket, type RatePacer } from './pacer';
import { lifeboatRetryPolicy, type RetryOptions } from './retry-policy';

export interface AmsClientOptions {
  /** ARM endpoint: https://management.azure.com, or the AMS emulator's. */
  armEndpoint: string;
  credential: TokenCredential;
  clock: Clock;
  /** Content-key operations per hour and account (listContentKeys, getPolicyPropertiesWithSecrets). */
  contentKeyBudgetPerHour: number;
  /** Back-to-back key calls allowed after idling (default 1: none). */
  contentKeyBurst?: number;
  /** Extra CA certificate(s) to trust, PEM (the emulator's self-signed one). */
  caCert?: string | Buffer;
  retry?: RetryOptions;
  /**
   * ARM's per-subscription limits to pace to (default reads 25/s with a burst of 250, writes
   * 10/s with a burst of 200); `false` sends as fast as answers come and relies on 429s.
   */
  armBudget?:
    | { readsPerSecond: number; readBurst: number; writesPerSecond: number; writeBurst: number }
    | false;
}

export const DEFAULT_ARM_BUDGET = {
  readsPerSecond: 25,
  readBurst: 250,
  writesPerSecond: 10,
  writeBurst: 200,
};

/** AMS clients for the subscriptions a run touches, sharing one retry layer, pacers and counters. */
export interface AmsClientFactory {
  forSubscription(subscriptionId: string): AzureMediaServices;
  /** The key-budget pacer of an account (by ARM id). */
  keyPacer(accountId: string): RatePacer;
  /** Counters over every request the factory's clients sent. */
  readonly stats: CallStats;
  readonly options: Readonly<AmsClientOptions>;
}

function trustPolicy(ca: string | Buffer): PipelinePolicy {
  const agent = new Agent({ ca, keepAlive: true });
  return {
    name: 'lifeboatTrustPolicy',
    sendRequest(request, next) {
      request.agent = agent;
      return next(request);
    },
  };
}

/**
 * Builds `@azure/arm-mediaservices` clients (unmodified) with the SDK's own retry replaced by
 * lifeboatRetryPolicy (Clock-driven waits, key-budget pacing) and the bearer token applied per
 * attempt, so a retry after a long Retry-After wait signs with a fresh token.
 */
export function createAmsClientFactory(options: AmsClientOptions): AmsClientFactory {
  const stats = emptyStats();
  const pacers = new PacerPool(
    options.clock,
    options.contentKeyBudgetPerHour,
    options.contentKeyBurst ?? 1,
  );
  const clients = new Map<string, AzureMediaServices>();
  const endpoint = options.armEndpoint.replace(/\/+$/, '');

  const forSubscription = (subscriptionId: string) => {
    const key = subscriptionId.toLowerCase();
    let client = clients.get(key);
    if (client) return client;
    client = new AzureMediaServices(options.credential, subscriptionId, {
      endpoint,
      $host: endpoint,
      retryOptions: { maxRetries: 0 },
    });
    const pipeline = client.pipeline;
    const budget =
      options.armBudget === false ? undefined : (options.armBudget ?? DEFAULT_ARM_BUDGET);
    const arm = budget && {
      reads: new TokenBucket(options.clock, budget.readsPerSecond, budget.readBurst),
      writes: new TokenBucket(options.clock, budget.writesPerSecond, budget.writeBurst),
    };
    pipeline.removePolicy({ name: 'defaultRetryPolicy' });
    pipeline.addPolicy(
      lifeboatRetryPolicy({
        clock: options.clock,
        keyPacers: pacers,
        arm,
        stats,
        retry: options.retry,
      }),
      { phase: 'Retry' },
    );
    pipeline.removePolicy({ name: bearerTokenAuthenticationPolicyName });
    pipeline.addPolicy(
      bearerTokenAuthenticationPolicy({
        credential: options.credential,
        scopes: `${endpoint}/.default`,
      }),
      { phase: 'Sign' },
    );
    if (options.caCert) pipeline.addPolicy(trustPolicy(options.caCert), { phase: 'Sign' });
    clients.set(key, client);
    return client;
  };

  return {
    forSubscription,
    keyPacer: (accountId) => pacers.get(accountId),
    stats,
    options,
  };
}
