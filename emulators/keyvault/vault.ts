import { randomUUID } from 'node:crypto';
import type { Clock } from '../../shared/clock';
import { Faults } from '../ams/faults';
import { WindowThrottle, type VaultBudget } from './window-throttle';

/** What the vault answers; `drop` closes the connection without one (an injected fault). */
export interface VaultResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  drop?: boolean;
}

export interface VaultRequest {
  method: string;
  /** Path and query, as the client sent them. */
  url: URL;
  authorization?: string;
  body: string;
}

/** One version of a secret, as the vault keeps it. */
export interface StoredVersion {
  version: string;
  value: string;
  contentType?: string;
  tags?: Record<string, string>;
  enabled: boolean;
  /** Unix seconds, as Key Vault reports them. */
  created: number;
  updated: number;
}

interface StoredSecret {
  /** The name as first written (Key Vault names are case-insensitive, the id keeps this case). */
  name: string;
  versions: StoredVersion[];
  deletedAt?: number;
}

/**
 * API versions the SecretClient may send: the 7.x line and the dated versions that followed it.
 * Key Vault rejects any other.
 */
export const SUPPORTED_API_VERSIONS = [
  '7.0',
  '7.1',
  '7.2',
  '7.3',
  '7.4',
  '7.5',
  '7.6',
  '2025-07-01',
];

/** Key Vault's limits for secrets. */
export const MAX_SECRET_BYTES = 25_600;
const NAME = /^[0-9a-zA-Z-]{1,127}$/;
const MAX_TAGS = 15;
const MAX_TAG_NAME = 512;
const MAX_TAG_VALUE = 256;
const MAX_PAGE = 25;
const RECOVERABLE_DAYS = 90;

export interface VaultOptions {
  clock: Clock;
  /** `https://<vault>.vault.localhost:<port>`: the base of every id the vault returns. */
  vaultUrl: () => string;
  /** The resource the 401 challenge names; the token must have been asked for `<resource>/.default`. */
  resource: string;
  tenantId: string;
  /** The one bearer token the vault accepts. */
  token: string;
  budget?: VaultBudget;
}

function error(status: number, code: string, message: string, headers = {}): VaultResponse {
  return { status, headers, body: { error: { code, message } } };
}

function notFound(nameOrId: string): VaultResponse {
  return error(
    404,
    'SecretNotFound',
    `A secret with (name/id) ${nameOrId} was not found in this key vault. If you recently deleted this secret you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
  );
}

function badParameter(message: string): VaultResponse {
  return error(400, 'BadParameter', message);
}

/** The requests a vault saw, by operation and status (for tests' assertions). */
export interface RequestCounts {
  total: number;
  byStatus: Record<number, number>;
  byOperation: Record<string, Record<number, number>>;
}

/** The secrets part of Key Vault's data plane, in memory. */
export class Vault {
  readonly faults = new Faults();
  readonly throttle: WindowThrottle;
  private readonly secrets = new Map<string, StoredSecret>();
  private counts: RequestCounts = { total: 0, byStatus: {}, byOperation: {} };

  constructor(private readonly options: VaultOptions) {
    this.throttle = new WindowThrottle(options.clock, options.budget);
  }

  /** Every version of a secret, oldest first (values included): the admin's view. */
  versions(name: string): StoredVersion[] {
    return (this.secrets.get(name.toLowerCase())?.versions ?? []).map((v) => ({ ...v }));
  }

  names(): string[] {
    return [...this.secrets.values()].filter((s) => !s.deletedAt).map((s) => s.name);
  }

  requestCounts(): RequestCounts {
    return structuredClone(this.counts);
  }

  resetCounts(): void {
    this.counts = { total: 0, byStatus: {}, byOperation: {} };
  }

  handle(request: VaultRequest): VaultResponse {
    const route = this.route(request);
    const answer = this.answer(request, route);
    this.count(route.operation, answer.drop ? 0 : answer.status);
    return answer;
  }

  private count(operation: string, status: number): void {
    this.counts.total += 1;
    this.counts.byStatus[status] = (this.counts.byStatus[status] ?? 0) + 1;
    const op = (this.counts.byOperation[operation] ??= {});
    op[status] = (op[status] ?? 0) + 1;
  }

  private route(request: VaultRequest): { operation: string; name?: string; version?: string } {
    const parts = request.url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const method = request.method.toUpperCase();
    const [collection, name, version, extra] = parts;
    if (collection === 'secrets' && extra === undefined) {
      if (name === undefined) return { operation: method === 'GET' ? 'listSecrets' : 'unknown' };
      if (version === 'versions' && method === 'GET') return { operation: 'listVersions', name };
      if (method === 'GET') return { operation: 'getSecret', name, version: version || undefined };
      if (method === 'PUT' && version === undefined) return { operation: 'setSecret', name };
      if (method === 'DELETE' && version === undefined) return { operation: 'deleteSecret', name };
    }
    if (collection === 'deletedsecrets' && name !== undefined && version === undefined) {
      if (method === 'GET') return { operation: 'getDeletedSecret', name };
      if (method === 'DELETE') return { operation: 'purgeDeletedSecret', name };
    }
    return { operation: 'unknown' };
  }

  private answer(
    request: VaultRequest,
    route: { operation: string; name?: string; version?: string },
  ): VaultResponse {
    const challenge = this.authenticate(request.authorization);
    if (challenge) return challenge;
    const fault = this.faults.match(route.operation);
    if (fault?.drop) return { status: 0, headers: {}, drop: true };
    if (fault?.status)
      return error(
        fault.status,
        fault.status === 503 ? 'ServiceUnavailable' : 'InternalServerError',
        'The service is temporarily unavailable (injected fault).',
      );
    const throttled = this.throttle.take();
    if (throttled.retryAfterSeconds !== undefined)
      return error(
        429,
        'Throttled',
        'Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached',
        { 'Retry-After': String(throttled.retryAfterSeconds) },
      );
    const apiVersion = request.url.searchParams.get('api-version');
    if (!apiVersion) return badParameter('The api-version query parameter is required.');
    if (!SUPPORTED_API_VERSIONS.includes(apiVersion))
      return badParameter(
        `The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (${SUPPORTED_API_VERSIONS.at(-1)}).`,
      );
    if (route.name !== undefined && !NAME.test(route.name))
      return badParameter(`The request URI contains an invalid name: ${route.name}`);
    switch (route.operation) {
      case 'setSecret':
        return this.set(route.name!, request.body);
      case 'getSecret':
        return this.get(route.name!, route.version);
      case 'listSecrets':
        return this.list(request.url);
      case 'listVersions':
        return this.listVersions(route.name!, request.url);
      case 'deleteSecret':
        return this.delete(route.name!);
      case 'getDeletedSecret':
        return this.getDeleted(route.name!);
      case 'purgeDeletedSecret':
        return this.purge(route.name!);
      default:
        return error(404, 'NotFound', `No route for ${request.method} ${request.url.pathname}.`);
    }
  }

  /** Key Vault's challenge flow: no token → 401 naming the resource to ask a token for. */
  private authenticate(authorization: string | undefined): VaultResponse | undefined {
    const challenge = {
      'WWW-Authenticate': `Bearer authorization="https://login.microsoftonline.com/${this.options.tenantId}", resource="${this.options.resource}"`,
    };
    if (!authorization)
      return error(
        401,
        'Unauthorized',
        'AKV10000: Request is missing a Bearer or PoP token.',
        challenge,
      );
    if (authorization !== `Bearer ${this.options.token}`)
      return error(401, 'Unauthorized', 'AKV10032: Invalid issuer.', challenge);
    return undefined;
  }

  private set(name: string, raw: string): VaultResponse {
    let body: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(raw);
      if (!parsed || typeof parsed !== 'object') throw new Error();
      body = parsed as Record<string, unknown>;
    } catch {
      return badParameter('The request body is not valid JSON.');
    }
    const { value, contentType, tags, attributes } = body;
    if (typeof value !== 'string') return badParameter('Property value is required.');
    // Key Vault's answer is terse; it never echoes the value.
    if (Buffer.byteLength(value, 'utf8') > MAX_SECRET_BYTES)
      return badParameter('Property value has invalid value');
    if (contentType !== undefined && typeof contentType !== 'string')
      return badParameter('Property contentType has invalid value');
    const tagProblem = checkTags(tags);
    if (tagProblem) return badParameter(tagProblem);
    const enabled = (attributes as { enabled?: unknown } | undefined)?.enabled;
    const key = name.toLowerCase();
    const existing = this.secrets.get(key);
    if (existing?.deletedAt)
      return error(
        409,
        'Conflict',
        `Secret ${existing.name} is currently in a deleted but recoverable state, and its name cannot be reused; in this state, the secret can only be recovered or purged.`,
      );
    const now = Math.floor(this.options.clock.now() / 1000);
    const version: StoredVersion = {
      version: randomUUID().replace(/-/g, ''),
      value,
      ...(contentType !== undefined ? { contentType } : {}),
      ...(tags ? { tags: { ...(tags as Record<string, string>) } } : {}),
      enabled: enabled !== false,
      created: now,
      updated: now,
    };
    const secret = existing ?? { name, versions: [] };
    secret.versions.push(version);
    this.secrets.set(key, secret);
    return { status: 200, headers: {}, body: this.bundle(secret, version, true) };
  }

  private get(name: string, versionId: string | undefined): VaultResponse {
    const secret = this.live(name);
    if (!secret) return notFound(versionId ? `${name}/${versionId}` : name);
    const version = versionId
      ? secret.versions.find((v) => v.version === versionId.toLowerCase())
      : secret.versions.at(-1);
    if (!version) return notFound(`${name}/${versionId}`);
    if (!version.enabled)
      return error(403, 'Forbidden', 'Operation get is not allowed on a disabled secret.');
    return { status: 200, headers: {}, body: this.bundle(secret, version, true) };
  }

  private list(url: URL): VaultResponse {
    const live = [...this.secrets.values()]
      .filter((s) => !s.deletedAt)
      .sort((a, b) => a.name.toLowerCase().localeCompare(b.name.toLowerCase()));
    return this.page(url, `${this.options.vaultUrl()}/secrets`, live, (s) => {
      const latest = s.versions.at(-1)!;
      const item = this.bundle(s, latest, false);
      return { ...item, id: `${this.options.vaultUrl()}/secrets/${s.name}` };
    });
  }

  private listVersions(name: string, url: URL): VaultResponse {
    const secret = this.live(name);
    const versions = secret ? secret.versions : [];
    return this.page(url, `${this.options.vaultUrl()}/secrets/${name}/versions`, versions, (v) =>
      this.bundle(secret!, v, false),
    );
  }

  /** One page of at most `maxresults` (≤ 25), with a nextLink carrying a $skiptoken. */
  private page<T>(
    url: URL,
    base: string,
    items: T[],
    render: (item: T) => Record<string, unknown>,
  ): VaultResponse {
    const max = url.searchParams.get('maxresults');
    const size = max === null ? MAX_PAGE : Number(max);
    if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE)
      return badParameter(`invalid maxresults ${max}: it must be between 1 and ${MAX_PAGE}.`);
    const skip = Number(url.searchParams.get('$skiptoken') ?? '0');
    if (!Number.isInteger(skip) || skip < 0) return badParameter('The $skiptoken is invalid.');
    const slice = items.slice(skip, skip + size);
    let nextLink: string | null = null;
    if (skip + size < items.length) {
      const link = new URL(base);
      link.searchParams.set('api-version', url.searchParams.get('api-version')!);
      link.searchParams.set('$skiptoken', String(skip + size));
      link.searchParams.set('maxresults', String(size));
      nextLink = link.toString();
    }
    return { status: 200, headers: {}, body: { value: slice.map(render), nextLink } };
  }

  private delete(name: string): VaultResponse {
    const secret = this.live(name);
    if (!secret) return notFound(name);
    secret.deletedAt = this.options.clock.now();
    return { status: 200, headers: {}, body: this.deletedBundle(secret) };
  }

  private getDeleted(name: string): VaultResponse {
    const secret = this.secrets.get(name.toLowerCase());
    if (!secret?.deletedAt)
      return error(404, 'SecretNotFound', `Deleted Secret not found: ${name}`);
    return { status: 200, headers: {}, body: this.deletedBundle(secret) };
  }

  private purge(name: string): VaultResponse {
    const secret = this.secrets.get(name.toLowerCase());
    if (!secret?.deletedAt)
      return error(404, 'SecretNotFound', `Deleted Secret not found: ${name}`);
    this.secrets.delete(name.toLowerCase());
    return { status: 204, headers: {} };
  }

  private live(name: string): StoredSecret | undefined {
    const secret = this.secrets.get(name.toLowerCase());
    return secret && !secret.deletedAt ? secret : undefined;
  }

  /** A SecretBundle (with the value) or a SecretItem (without), shaped as Key Vault sends them. */
  private bundle(
    secret: StoredSecret,
    v: StoredVersion,
    withValue: boolean,
  ): Record<string, unknown> {
    return {
      ...(withValue ? { value: v.value } : {}),
      ...(v.contentType !== undefined ? { contentType: v.contentType } : {}),
      id: `${this.options.vaultUrl()}/secrets/${secret.name}/${v.version}`,
      attributes: {
        enabled: v.enabled,
        created: v.created,
        updated: v.updated,
        recoveryLevel: 'Recoverable+Purgeable',
        recoverableDays: RECOVERABLE_DAYS,
      },
      ...(v.tags ? { tags: v.tags } : {}),
    };
  }

  private deletedBundle(secret: StoredSecret): Record<string, unknown> {
    const { value: _value, ...item } = this.bundle(secret, secret.versions.at(-1)!, true);
    const deleted = Math.floor(secret.deletedAt! / 1000);
    return {
      ...item,
      recoveryId: `${this.options.vaultUrl()}/deletedsecrets/${secret.name}`,
      deletedDate: deleted,
      scheduledPurgeDate: deleted + RECOVERABLE_DAYS * 86_400,
    };
  }
}

function checkTags(tags: unknown): string | undefined {
  if (tags === undefined || tags === null) return undefined;
  if (typeof tags !== 'object' || Array.isArray(tags)) return 'Property tags has invalid value';
  const entries = Object.entries(tags as Record<string, unknown>);
  if (entries.length > MAX_TAGS) return `A secret can have at most ${MAX_TAGS} tags.`;
  for (const [k, v] of entries) {
    if (typeof v !== 'string') return `Tag ${k} has an invalid value.`;
    if (k.length > MAX_TAG_NAME) return `Tag names can be at most ${MAX_TAG_NAME} characters.`;
    if (v.length > MAX_TAG_VALUE) return `Tag values can be at most ${MAX_TAG_VALUE} characters.`;
  }
  return undefined;
}
