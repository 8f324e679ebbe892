import type { Clock } from '../../shared/clock';
import type { Account, Res } from './state';
import type { StorageMap } from './storage';

/** What a resource type's hooks may use: the clock, storage, the account and ids. */
export interface Ctx {
  clock: Clock;
  storage: StorageMap;
  account: Account;
  /** The ARM id of the account, `/subscriptions/.../mediaservices/{name}`. */
  accountId: string;
  newId(): string;
  /** Random bytes, base64 (content keys). */
  randomKey(): string;
  /** Finds a resource of another type in the same account (locators need assets and policies). */
  find(type: string, name: string): Res | undefined;
}

export type Json = Record<string, unknown>;

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
