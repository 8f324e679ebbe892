import { canonicalAccountId, formatAccountId } from '../account-id';
import type { ExtensionPolicy } from '../config';
import type { MigrationRequest } from '../pipeline/contracts';
import type { TargetName } from '../targets/target';
import { parseMigrationInstanceId, type ParsedInstanceId } from '../pipeline/instance-id';
import { badRequest } from './errors';

/**
 * Validation at the edge: whatever reaches the service from a portal, a request file or an event
 * is checked here and turned into typed values, or rejected with every problem named.
 */

export const TARGETS: readonly TargetName[] = ['static', 'mkio', 'ravnur', 'bitmovin'];
export const EXTENSION_POLICIES: readonly ExtensionPolicy[] = ['auto', 'never', 'always'];

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// Resource group names: letters, digits, underscores, hyphens, periods and parentheses, up to 90.
const RESOURCE_GROUP = /^[-\w.()]{1,90}$/;
// Media Services account names: 3 to 24 lower-case letters and digits.
const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/i;
const OPTION_KEY = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;
const MAX_OPTION_TEXT = 2048;

const START_FIELDS = new Set([
  'accountId',
  'subscriptionId',
  'resourceGroup',
  'accountName',
  'targets',
  'extensionPolicy',
  'requireApproval',
  'targetOptions',
  'restart',
]);

export interface StartDefaults {
  extensionPolicy: ExtensionPolicy;
  requireApproval: boolean;
}

export interface StartCommand {
  request: MigrationRequest;
  /** Start again even if a previous run of this account finished. */
  restart: boolean;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses a start request (POST body, or one entry of a request file). */
export function parseStartCommand(body: unknown, defaults: StartDefaults): StartCommand {
  if (!isRecord(body)) throw badRequest('the body must be a JSON object');
  const problems: string[] = [];

  const unknown = Object.keys(body).filter((k) => !START_FIELDS.has(k));
  if (unknown.length)
    problems.push(
      `unknown field(s): ${unknown.join(', ')} (allowed: ${[...START_FIELDS].join(', ')})`,
    );

  const accountId = parseAccount(body, problems);
  const targets = parseTargets(body.targets, problems);

  let extensionPolicy = defaults.extensionPolicy;
  if (body.extensionPolicy !== undefined) {
    if (
      typeof body.extensionPolicy === 'string' &&
      (EXTENSION_POLICIES as readonly string[]).includes(body.extensionPolicy)
    ) {
      extensionPolicy = body.extensionPolicy as ExtensionPolicy;
    } else {
      problems.push(`extensionPolicy must be one of ${EXTENSION_POLICIES.join(', ')}`);
    }
  }

  const requireApproval = optionalBoolean(body, 'requireApproval', problems);
  const restart = optionalBoolean(body, 'restart', problems);
  const targetOptions = parseTargetOptions(body.targetOptions, targets, problems);

  if (problems.length || !accountId) throw badRequest('the migration request is invalid', problems);
  const request: MigrationRequest = {
    accountId,
    targets,
    extensionPolicy,
    requireApproval: requireApproval ?? defaults.requireApproval,
    ...(targetOptions ? { targetOptions } : {}),
  };
  return { request, restart: restart ?? false };
}

function parseAccount(body: Record<string, unknown>, problems: string[]): string | undefined {
  const { accountId, subscriptionId, resourceGroup, accountName } = body;
  const parts = [subscriptionId, resourceGroup, accountName];
  if (accountId !== undefined) {
    if (parts.some((p) => p !== undefined)) {
      problems.push(
        'give either accountId or subscriptionId, resourceGroup and accountName, not both',
      );
      return undefined;
    }
    if (typeof accountId !== 'string' || accountId.length > 512) {
      problems.push('accountId must be a Media Services account ARM id');
      return undefined;
    }
    try {
      return canonicalAccountId(accountId);
    } catch (error) {
      problems.push((error as Error).message);
      return undefined;
    }
  }
  if (parts.every((p) => p === undefined)) {
    problems.push(
      'the account is missing: give accountId (its ARM id), or subscriptionId, resourceGroup and accountName',
    );
    return undefined;
  }
  const before = problems.length;
  if (typeof subscriptionId !== 'string' || !GUID.test(subscriptionId))
    problems.push('subscriptionId must be a subscription GUID');
  if (typeof resourceGroup !== 'string' || !RESOURCE_GROUP.test(resourceGroup))
    problems.push('resourceGroup must be a resource group name (1-90 letters, digits, -_.())');
  if (typeof accountName !== 'string' || !ACCOUNT_NAME.test(accountName))
    problems.push('accountName must be a Media Services account name (3-24 letters and digits)');
  if (problems.length > before) return undefined;
  return canonicalAccountId(
    formatAccountId({
      subscriptionId: String(subscriptionId),
      resourceGroup: String(resourceGroup),
      accountName: String(accountName),
    }),
  );
}

function parseTargets(value: unknown, problems: string[]): TargetName[] {
  // An empty list is a deliberate choice: export only (snapshot, keys, paths, URL map) now, the
  // target later. A missing one is a mistake.
  if (!Array.isArray(value)) {
    problems.push(
      `targets must be a list of ${TARGETS.join(', ')} (an empty list exports only, without migrating)`,
    );
    return [];
  }
  const bad = value.filter((t) => typeof t !== 'string' || !(TARGETS as string[]).includes(t));
  if (bad.length) {
    problems.push(
      `unknown target(s): ${bad.map((b) => JSON.stringify(b)).join(', ')} (known: ${TARGETS.join(', ')})`,
    );
    return [];
  }
  return [...new Set(value as TargetName[])];
}

function optionalBoolean(
  body: Record<string, unknown>,
  field: string,
  problems: string[],
): boolean | undefined {
  const value = body[field];
  if (value === undefined) return undefined;
  if (typeof value === 'boolean') return value;
  problems.push(`${field} must be true or false`);
  return undefined;
}

function parseTargetOptions(
  value: unknown,
  targets: TargetName[],
  problems: string[],
): MigrationRequest['targetOptions'] {
  if (value === undefined) return undefined;
  if (!isRecord(value)) {
    problems.push('targetOptions must be an object keyed by target');
    return undefined;
  }
  const out: NonNullable<MigrationRequest['targetOptions']> = {};
  for (const [target, options] of Object.entries(value)) {
    if (!(targets as string[]).includes(target)) {
      problems.push(`targetOptions.${target}: not one of the requested targets`);
      continue;
    }
    if (!isRecord(options)) {
      problems.push(`targetOptions.${target} must be an object of names to values`);
      continue;
    }
    const entry: Record<string, string | number | boolean> = {};
    for (const [key, option] of Object.entries(options)) {
      const ok =
        OPTION_KEY.test(key) &&
        (typeof option === 'boolean' ||
          (typeof option === 'number' && Number.isFinite(option)) ||
          (typeof option === 'string' && option.length <= MAX_OPTION_TEXT));
      if (ok) entry[key] = option as string | number | boolean;
      else
        problems.push(`targetOptions.${target}.${key} must be a short string, number or boolean`);
    }
    out[target] = entry;
  }
  return out;
}

/** A migration id from a URL: one of our instance ids, or a 400 that says what one looks like. */
export function parseMigrationId(
  id: string | undefined,
): ParsedInstanceId & { instanceId: string } {
  const value = (id ?? '').trim();
  const parsed = value.length <= 400 ? parseMigrationInstanceId(value) : undefined;
  if (!parsed) {
    throw badRequest(
      `"${value.slice(0, 80)}" is not a migration id (expected ams~{subscription}~{resourceGroup}~{account}, as returned by POST /api/migrations)`,
    );
  }
  return { ...parsed, instanceId: value };
}
