import { randomBytes, randomUUID } from 'node:crypto';
import type { Clock } from '../../shared/clock';
import { ArmError, badRequest, notFound } from './errors';
import { iso, isObject, type Ctx, type Json } from './context';
import {
  LocatorIndex,
  accountKey,
  childCollection,
  collectionOf,
  type Account,
  type Collection,
  type Res,
} from './state';
import { listPage } from './odata';
import { Throttle, type Budgets } from './throttle';
import { Faults, type Fault } from './faults';
import { StorageMap } from './storage';
import { bodyProblems } from './validate';
import { typeBySegment, TYPES, type TypeDef, type ActionResult } from './types';

export const SUPPORTED_API_VERSIONS = [
  '2021-11-01',
  '2022-07-01',
  '2022-08-01',
  '2022-11-01',
  '2023-01-01',
];
const DAY = 86_400_000;
/** How long after the retirement date AMS kept the read-only account before deleting it. */
export const READ_ONLY_DAYS = 90;
export const EXTENSION_DAYS = 30;

export interface CoreRequest {
  method: string;
  url: URL;
  headers: Record<string, string | undefined>;
  body: unknown;
  /** `https://127.0.0.1:port`, for nextLink and operation URLs. */
  base: string;
}

export interface CoreResponse {
  status: number;
  headers: Record<string, string>;
  body?: unknown;
  /** Destroy the connection instead of answering (an injected fault). */
  drop?: boolean;
  /** Real-time delay before answering (an injected fault). */
  delayMs?: number;
}

export interface LogEntry {
  /** Emulator time, ISO. */
  at: string;
  method: string;
  path: string;
  operation: string;
  status: number;
  retryAfter?: number;
  fault?: string;
}

export interface LroOptions {
  /** Emulator time a long-running operation takes (default 0: done at the first poll). */
  durationMs?: number;
  /** The Retry-After the initial answer and status resources carry, seconds (default 0). */
  retryAfterSeconds?: number;
}

export interface CoreOptions {
  clock: Clock;
  storage?: StorageMap;
  budgets?: Partial<Budgets>;
  faults?: Fault[];
  lro?: LroOptions;
  /** Delay before an extension shows in `ams-retirement-date` (AMS: up to an hour). Default 0. */
  extensionVisibleAfterMs?: number;
  /** Page sizes by type key, to override the service's (assets 1,000; policies 10). */
  pageSizes?: Record<string, number>;
  /** Request log entries kept (default 20,000). */
  logLimit?: number;
}

interface Operation {
  id: string;
  kind: 'account' | 'track' | 'resource';
  startTime: number;
  endTime: number;
  status: 'InProgress' | 'Succeeded' | 'Failed';
  apply?: () => void;
  applied: boolean;
  /** The resource's ARM id path and a function rendering it when done (none after a delete). */
  result?: () => unknown;
}

interface Route {
  operation: string;
  write: boolean;
  subscription?: string;
  account?: { sub: string; rg: string; name: string };
  contentKey?: boolean;
  /** Allowed on a read-only account (a streaming endpoint's CDN settings). */
  allowedReadOnly?: (body: unknown) => boolean;
  exec(): Promise<CoreResponse> | CoreResponse;
}

const CDN_FIELDS = new Set(['cdnEnabled', 'cdnProfile', 'cdnProvider']);

/** Formats a date the way AMS sent `ams-retirement-date`: `2025-04-01T00:00:00.0000000+00:00`. */
export function retirementHeader(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$10000+00:00');
}

export type Phase = 'active' | 'readOnly' | 'deleted';

/** The AMS ARM API over in-memory state: routing, lifecycle, throttling, faults, LROs. */
export class AmsCore {
  readonly accounts = new Map<string, Account>();
  readonly throttle: Throttle;
  readonly faults = new Faults();
  readonly storage: StorageMap;
  readonly clock: Clock;
  private ops = new Map<string, Operation>();
  private pending: Operation[] = [];
  log: LogEntry[] = [];
  counts = new Map<string, { total: number; byStatus: Record<string, number> }>();
  lro: Required<LroOptions>;
  extensionVisibleAfterMs: number;

  constructor(private readonly options: CoreOptions) {
    this.clock = options.clock;
    this.storage = options.storage ?? new StorageMap();
    this.throttle = new Throttle(this.clock);
    if (options.budgets) this.throttle.setBudgets(options.budgets);
    if (options.faults) this.faults.set(options.faults);
    this.lro = {
      durationMs: options.lro?.durationMs ?? 0,
      retryAfterSeconds: options.lro?.retryAfterSeconds ?? 0,
    };
    this.extensionVisibleAfterMs = options.extensionVisibleAfterMs ?? 0;
  }

  // ----- lifecycle -------------------------------------------------------------------------------

  phase(account: Account, now = this.clock.now()): Phase {
    if (now >= account.retirementDate + READ_ONLY_DAYS * DAY) return 'deleted';
    if (now >= account.retirementDate) return 'readOnly';
    return 'active';
  }

  /** The date the `ams-retirement-date` header shows (an extension shows after a delay). */
  visibleRetirementDate(account: Account, now = this.clock.now()): number {
    if (
      account.extensionGrantedAt !== undefined &&
      now < account.extensionGrantedAt + this.extensionVisibleAfterMs
    )
      return account.retirementDate - EXTENSION_DAYS * DAY;
    return account.retirementDate;
  }

  /** At the retirement date streaming endpoints and live events stop. */
  private applyLifecycle(account: Account): void {
    if (this.phase(account) === 'active') return;
    for (const key of ['streamingEndpoints', 'liveEvents']) {
      for (const res of collectionOf(account, key).map.values()) {
        if (res.props.resourceState !== 'Stopped') res.props.resourceState = 'Stopped';
      }
    }
  }

  // ----- context and rendering -------------------------------------------------------------------

  accountId(a: Account): string {
    return `/subscriptions/${a.subscriptionId}/resourceGroups/${a.resourceGroup}/providers/Microsoft.Media/mediaservices/${a.name}`;
  }

  ctx(account: Account): Ctx {
    return {
      clock: this.clock,
      storage: this.storage,
      account,
      accountId: this.accountId(account),
      newId: () => randomUUID(),
      randomKey: () => randomBytes(16).toString('base64'),
      find: (type, name) => {
        const def = TYPES.find((t) => t.key === type)!;
        return collectionOf(account, type).get(name) ?? def.builtIn?.(name);
      },
    };
  }

  private systemData(res: { created: number; modified: number }): Json {
    return {
      createdBy: 'contoso@microsoft.com',
      createdByType: 'User',
      createdAt: iso(res.created),
      lastModifiedBy: 'contoso@microsoft.com',
      lastModifiedByType: 'User',
      lastModifiedAt: iso(res.modified),
    };
  }

  renderResource(ctx: Ctx, def: TypeDef, res: Res, parent?: Res, parentDef?: TypeDef): Json {
    const parentPath = parent && parentDef ? `/${parentDef.key}/${parent.name}` : '';
    return {
      name: res.name,
      id: `${ctx.accountId}${parentPath}/${def.key}/${res.name}`,
      type: def.armType,
      ...(def.key === 'streamingEndpoints' ? { sku: { name: 'Standard', capacity: 600 } } : {}),
      ...(res.top ?? {}),
      systemData: this.systemData(res),
      properties: def.render(ctx, res, parent),
    };
  }

  renderAccount(a: Account): Json {
    return {
      name: a.name,
      id: this.accountId(a),
      type: 'Microsoft.Media/mediaservices',
      location: a.location,
      tags: a.top.tags ?? {},
      ...(a.top.identity ? { identity: a.top.identity } : {}),
      systemData: this.systemData(a),
      properties: {
        mediaServiceId: a.props.mediaServiceId,
        storageAccounts: a.props.storageAccounts,
        storageAuthentication: a.props.storageAuthentication ?? 'System',
        encryption: renderEncryption(a.props.encryption),
        keyDelivery: a.props.keyDelivery ?? {
          accessControl: { defaultAction: 'Allow', ipAllowList: [] },
        },
        publicNetworkAccess: a.props.publicNetworkAccess ?? 'Enabled',
        provisioningState: a.props.provisioningState ?? 'Succeeded',
        privateEndpointConnections: [...collectionOf(a, 'privateEndpointConnections').byName()].map(
          (r) =>
            this.renderResource(
              this.ctx(a),
              TYPES.find((t) => t.key === 'privateEndpointConnections')!,
              r,
            ),
        ),
        minimumTlsVersion: a.props.minimumTlsVersion ?? 'Tls12',
      },
    };
  }

  // ----- accounts --------------------------------------------------------------------------------

  /** Creates or replaces an account directly (seeding, and the PUT handler). */
  putAccount(sub: string, rg: string, name: string, body: Json, retirementDate?: number): Account {
    const key = accountKey(sub, rg, name);
    const existing = this.accounts.get(key);
    const p = isObject(body.properties) ? body.properties : {};
    const storageAccounts = p.storageAccounts ?? existing?.props.storageAccounts;
    if (!Array.isArray(storageAccounts) || storageAccounts.length === 0)
      throw badRequest('At least one storage account is required.', 'storageAccounts');
    for (const s of storageAccounts) {
      if (!isObject(s) || typeof s.id !== 'string')
        throw badRequest('Each storage account needs an id.', 'storageAccounts');
    }
    if (typeof body.location !== 'string' && !existing)
      throw badRequest('The location property is required.', 'location');
    const now = this.clock.now();
    const account: Account = existing ?? {
      subscriptionId: sub,
      resourceGroup: rg,
      name,
      location: body.location as string,
      created: now,
      modified: now,
      props: { mediaServiceId: randomUUID() },
      top: {},
      retirementDate: retirementDate ?? now + 365 * DAY,
      collections: new Map(),
      locatorsByAsset: new LocatorIndex(),
    };
    account.modified = now;
    account.props = {
      ...account.props,
      ...p,
      storageAccounts: (storageAccounts as Json[]).map((s) => ({ type: 'Primary', ...s })),
    };
    delete account.props.provisioningState;
    if (isObject(body.tags)) account.top.tags = body.tags;
    if (isObject(body.identity)) account.top.identity = body.identity;
    if (retirementDate !== undefined) account.retirementDate = retirementDate;
    this.accounts.set(key, account);
    return account;
  }

  getAccount(sub: string, rg: string, name: string): Account | undefined {
    return this.accounts.get(accountKey(sub, rg, name));
  }

  // ----- long-running operations -----------------------------------------------------------------

  private settle(): void {
    if (!this.pending.length) return;
    const now = this.clock.now();
    this.pending = this.pending.filter((op) => {
      if (op.endTime > now) return true;
      op.apply?.();
      op.applied = true;
      op.status = 'Succeeded';
      return false;
    });
  }

  private startOperation(
    kind: Operation['kind'],
    apply?: () => void,
    result?: () => unknown,
  ): Operation {
    const now = this.clock.now();
    const op: Operation = {
      id: randomUUID(),
      kind,
      startTime: now,
      endTime: now + this.lro.durationMs,
      status: 'InProgress',
      apply,
      applied: false,
      result,
    };
    this.ops.set(op.id, op);
    this.pending.push(op);
    this.settle();
    return op;
  }

  /** A long-running operation that exists already (conformance fixtures). */
  seedOperation(id: string, status: Operation['status'], kind: Operation['kind']): void {
    const now = this.clock.now();
    const first = [...this.accounts.values()][0];
    this.ops.set(id, {
      id,
      kind,
      startTime: now,
      endTime: now,
      status,
      applied: true,
      result: kind === 'account' && first ? () => this.renderAccount(first) : undefined,
    });
  }

  private lroHeaders(
    asyncUrl: string,
    locationUrl: string,
    apiVersion: string,
  ): Record<string, string> {
    const q = `?api-version=${apiVersion}`;
    return {
      'Azure-AsyncOperation': asyncUrl + q,
      Location: locationUrl + q,
      'Retry-After': String(this.lro.retryAfterSeconds),
    };
  }

  private operationStatus(id: string, withId?: string): CoreResponse {
    this.settle();
    const op = this.ops.get(id);
    if (!op) throw notFound();
    return json(
      200,
      {
        name: op.id,
        ...(withId ? { id: withId } : {}),
        status: op.status,
        ...(op.status === 'Failed'
          ? { error: { code: 'OperationFailed', message: 'The operation failed.' } }
          : op.kind === 'resource'
            ? { error: { code: 'None', message: null, target: op.id } }
            : {}),
        ...(op.kind !== 'resource' ? { startTime: iso(op.startTime) } : {}),
        ...(op.kind !== 'resource' ? { endTime: iso(op.endTime) } : {}),
      },
      op.status === 'InProgress' ? { 'Retry-After': String(this.lro.retryAfterSeconds) } : {},
    );
  }

  private operationResult(id: string, fallback?: () => unknown): CoreResponse {
    this.settle();
    const op = this.ops.get(id);
    if (!op) throw notFound();
    if (op.status === 'InProgress')
      return { status: 202, headers: { 'Retry-After': String(this.lro.retryAfterSeconds) } };
    const body = (op.result ?? fallback)?.();
    return body === undefined ? { status: 204, headers: {} } : json(200, body);
  }

  // ----- the request pipeline --------------------------------------------------------------------

  async handle(req: CoreRequest): Promise<CoreResponse> {
    const path = req.url.pathname;
    let route: Route | undefined;
    let response: CoreResponse;
    let faultName: string | undefined;
    try {
      const auth = req.headers['authorization'];
      if (!auth || !/^Bearer\s+\S+/i.test(auth)) {
        throw new ArmError(
          401,
          'AuthenticationFailed',
          "Authentication failed. The 'Authorization' header is missing or malformed.",
          undefined,
          {
            'WWW-Authenticate':
              'Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="The authentication failed because of missing \'Authorization\' header."',
          },
        );
      }
      const apiVersion = req.url.searchParams.get('api-version');
      if (!apiVersion)
        throw new ArmError(
          400,
          'MissingApiVersionParameter',
          'The api-version query parameter (?api-version=) is required for all requests.',
        );
      if (!SUPPORTED_API_VERSIONS.includes(apiVersion))
        throw new ArmError(
          400,
          'NoRegisteredProviderFound',
          `No registered resource provider found for api version '${apiVersion}'. The supported api-versions are '${SUPPORTED_API_VERSIONS.join(', ')}'.`,
        );
      route = this.route(req, apiVersion);
      if (!route) throw new ArmError(404, 'NotFound', `No route matches ${req.method} ${path}.`);

      const fault = this.faults.match(route.operation);
      let delayMs = 0;
      if (fault) {
        faultName = fault.drop
          ? 'drop'
          : fault.status
            ? String(fault.status)
            : `latency ${fault.latencyMs}`;
        if (fault.latencyMs) delayMs = fault.latencyMs;
        if (fault.drop) throw new DropConnection(delayMs);
        if (fault.status) {
          const code = fault.status === 503 ? 'ServiceUnavailable' : 'InternalServerError';
          throw Object.assign(
            new ArmError(
              fault.status,
              code,
              'The service is temporarily unavailable (injected fault).',
            ),
            { delayMs },
          );
        }
      }

      // ARM throttles per subscription before the request reaches the resource provider.
      const rateHeaders: Record<string, string> = {};
      if (route.subscription) {
        const kind = route.write ? 'subscriptionWrites' : 'subscriptionReads';
        const taken = this.throttle.take(kind, route.subscription.toLowerCase());
        if (taken.retryAfterSeconds !== undefined)
          throw throttled(taken.retryAfterSeconds, route.write ? 'writes' : 'reads');
        rateHeaders[
          route.write
            ? 'x-ms-ratelimit-remaining-subscription-writes'
            : 'x-ms-ratelimit-remaining-subscription-reads'
        ] = String(taken.remaining);
      }
      this.settle();
      if (route.account) {
        const account = this.getAccount(route.account.sub, route.account.rg, route.account.name);
        if (account) {
          const phase = this.phase(account);
          if (phase === 'deleted') throw notFound();
          this.applyLifecycle(account);
          if (phase === 'readOnly' && req.method !== 'GET' && !route.allowedReadOnly?.(req.body)) {
            throw new ArmError(
              409,
              'AccountIsReadOnly',
              `The Media Services account '${account.name}' has been retired and is read-only: only GET requests and changes to a streaming endpoint's CDN settings are allowed.`,
            );
          }
          if (route.contentKey) {
            const taken = this.throttle.take(
              'contentKeys',
              accountKey(account.subscriptionId, account.resourceGroup, account.name),
            );
            if (taken.retryAfterSeconds !== undefined)
              throw throttled(taken.retryAfterSeconds, 'content key operations');
          }
        }
      }
      if (req.method === 'PUT' || req.method === 'PATCH' || req.method === 'POST') {
        const problems = bodyProblems(req.method, req.url.pathname, apiVersion, req.body);
        if (problems.length)
          throw new ArmError(
            400,
            'BadRequest',
            `The request body is invalid: ${problems.join('; ')}`,
            problems[0]!.split(/[:\s]/)[0],
          );
      }
      response = await route.exec();
      response.headers = { ...rateHeaders, ...response.headers };
      if (delayMs) response.delayMs = delayMs;
    } catch (error) {
      if (error instanceof DropConnection) {
        response = { status: 0, headers: {}, drop: true, delayMs: error.delayMs };
      } else if (error instanceof ArmError) {
        response = { status: error.status, headers: { ...error.headers }, body: error.body() };
        const delay = (error as ArmError & { delayMs?: number }).delayMs;
        if (delay) response.delayMs = delay;
      } else {
        response = {
          status: 500,
          headers: {},
          body: { error: { code: 'InternalServerError', message: (error as Error).message } },
        };
      }
    }
    this.record(req, route?.operation ?? 'unknown', response, faultName);
    return response;
  }

  private record(
    req: CoreRequest,
    operation: string,
    response: CoreResponse,
    fault?: string,
  ): void {
    const retryAfter =
      response.status === 429 ? Number(response.headers['Retry-After']) : undefined;
    this.log.push({
      at: iso(this.clock.now()),
      method: req.method,
      path: req.url.pathname,
      operation,
      status: response.drop ? 0 : response.status,
      ...(retryAfter !== undefined ? { retryAfter } : {}),
      ...(fault ? { fault } : {}),
    });
    const limit = this.options.logLimit ?? 20_000;
    if (this.log.length > limit * 1.5) this.log = this.log.slice(-limit);
    const c = this.counts.get(operation) ?? { total: 0, byStatus: {} };
    c.total++;
    const key = response.drop ? 'dropped' : String(response.status);
    c.byStatus[key] = (c.byStatus[key] ?? 0) + 1;
    this.counts.set(operation, c);
  }

  /** Forgets every account, operation, log entry, fault and throttle bucket. */
  reset(): void {
    this.accounts.clear();
    this.ops.clear();
    this.pending = [];
    this.log = [];
    this.counts.clear();
    this.faults.clear();
    this.throttle.reset();
  }

  // ----- routing ---------------------------------------------------------------------------------

  private route(req: CoreRequest, apiVersion: string): Route | undefined {
    const segs = req.url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
    const low = segs.map((s) => s.toLowerCase());
    const m = req.method;
    const body = (isObject(req.body) ? req.body : {}) as Json;

    if (low.join('/') === 'providers/microsoft.media/operations' && m === 'GET')
      return {
        operation: 'operations.list',
        write: false,
        exec: () => json(200, { value: OPERATIONS }),
      };
    if (low[0] !== 'subscriptions' || segs.length < 2) return undefined;
    const sub = segs[1]!;

    // /subscriptions/{s}/providers/Microsoft.Media/...
    if (low[2] === 'providers' && low[3] === 'microsoft.media') {
      if (low.length === 5 && low[4] === 'mediaservices' && m === 'GET')
        return {
          operation: 'mediaservices.listBySubscription',
          write: false,
          subscription: sub,
          exec: () =>
            json(200, {
              value: this.liveAccounts()
                .filter((a) => a.subscriptionId.toLowerCase() === sub.toLowerCase())
                .map((a) => this.renderAccount(a)),
            }),
        };
      if (
        low[4] === 'locations' &&
        low.length === 7 &&
        low[6] === 'checknameavailability' &&
        m === 'POST'
      )
        return {
          operation: 'locations.checkNameAvailability',
          write: true,
          subscription: sub,
          exec: () => {
            const name = String(body.name ?? '');
            if (!name) throw badRequest('name is required', 'name');
            const taken = this.liveAccounts().some(
              (a) => a.name.toLowerCase() === name.toLowerCase(),
            );
            return json(
              200,
              taken
                ? {
                    nameAvailable: false,
                    reason: 'AlreadyExists',
                    message: `The account name '${name}' is already taken.`,
                  }
                : { nameAvailable: true, reason: 'None', message: '' },
            );
          },
        };
      if (low[4] === 'locations' && low.length === 8 && m === 'GET') {
        const id = segs[7]!;
        if (low[6] === 'mediaservicesoperationstatuses')
          return {
            operation: 'mediaServicesOperationStatuses.get',
            write: false,
            subscription: sub,
            exec: () =>
              this.operationStatus(
                id,
                `/subscriptions/${sub}/providers/Microsoft.Media/locations/${segs[5]}/mediaServicesOperationStatuses/${id}`,
              ),
          };
        if (low[6] === 'mediaservicesoperationresults')
          return {
            operation: 'mediaServicesOperationResults.get',
            write: false,
            subscription: sub,
            exec: () => this.operationResult(id),
          };
      }
      return undefined;
    }

    // /subscriptions/{s}/resourceGroups/{rg}/providers/Microsoft.Media/mediaservices[/{a}...]
    if (
      low[2] !== 'resourcegroups' ||
      low[4] !== 'providers' ||
      low[5] !== 'microsoft.media' ||
      low[6] !== 'mediaservices'
    )
      return undefined;
    const rg = segs[3]!;
    if (segs.length === 7) {
      if (m !== 'GET') return undefined;
      return {
        operation: 'mediaservices.list',
        write: false,
        subscription: sub,
        exec: () =>
          json(200, {
            value: this.liveAccounts()
              .filter(
                (a) =>
                  a.subscriptionId.toLowerCase() === sub.toLowerCase() &&
                  a.resourceGroup.toLowerCase() === rg.toLowerCase(),
              )
              .map((a) => this.renderAccount(a)),
          }),
      };
    }
    const name = segs[7]!;
    const accountRef = { sub, rg, name };
    const rest = segs.slice(8);
    const restLow = low.slice(8);
    const write = m !== 'GET';
    const base = { write, subscription: sub, account: accountRef };
    if (rest.length === 0) return this.accountRoute(req, apiVersion, sub, rg, name, body, base);

    const account = () => {
      const a = this.getAccount(sub, rg, name);
      if (!a) throw notFound();
      return a;
    };
    const head = restLow[0]!;
    if (
      rest.length === 1 &&
      (head === 'syncstoragekeys' || head === 'listedgepolicies') &&
      m === 'POST'
    )
      return {
        ...base,
        operation:
          head === 'syncstoragekeys'
            ? 'mediaservices.syncStorageKeys'
            : 'mediaservices.listEdgePolicies',
        exec: () => {
          account();
          if (head === 'syncstoragekeys') {
            if (typeof body.id !== 'string') throw badRequest('id is required', 'id');
            return { status: 200, headers: {} };
          }
          return json(200, {
            usageDataCollectionPolicy: {
              dataCollectionFrequency: 'PT1H',
              dataReportingFrequency: 'PT1H',
              maxAllowedUnreportedUsageDuration: 'PT36H',
              eventHubDetails: { name: 'edge', namespace: 'edge-ns', token: 'token' },
            },
          });
        },
      };
    if (head === 'privatelinkresources' && m === 'GET' && rest.length <= 2) {
      const link = (a: Account) => ({
        name: 'keydelivery',
        id: `${this.accountId(a)}/privateLinkResources/keydelivery`,
        type: 'Microsoft.Media/mediaservices/privateLinkResources',
        properties: {
          groupId: 'keydelivery',
          requiredMembers: ['keydelivery'],
          requiredZoneNames: ['privatelink.media.azure.net'],
        },
      });
      return {
        ...base,
        operation: rest.length === 1 ? 'privateLinkResources.list' : 'privateLinkResources.get',
        exec: () => {
          const a = account();
          if (rest.length === 1) return json(200, { value: [link(a)] });
          if (restLow[1] !== 'keydelivery') throw notFound();
          return json(200, link(a));
        },
      };
    }
    if (
      rest.length === 2 &&
      m === 'GET' &&
      ['streamingendpointoperations', 'liveeventoperations', 'liveoutputoperations'].includes(head)
    ) {
      const group =
        head === 'streamingendpointoperations'
          ? 'streamingEndpoints'
          : head === 'liveeventoperations'
            ? 'liveEvents'
            : 'liveOutputs';
      return {
        ...base,
        operation: `${group}.asyncOperation`,
        exec: () => (account(), this.operationStatus(rest[1]!)),
      };
    }

    const def = typeBySegment(head);
    if (!def) return undefined;
    return this.resourceRoute(req, apiVersion, def, rest, restLow, body, base, account);
  }

  private liveAccounts(): Account[] {
    return [...this.accounts.values()].filter((a) => this.phase(a) !== 'deleted');
  }

  private accountRoute(
    req: CoreRequest,
    apiVersion: string,
    sub: string,
    rg: string,
    name: string,
    body: Json,
    base: Pick<Route, 'write' | 'subscription' | 'account'>,
  ): Route | undefined {
    const m = req.method;
    const find = () => {
      const a = this.getAccount(sub, rg, name);
      if (!a) throw notFound();
      return a;
    };
    const opUrls = (a: { location: string }, id: string) => {
      const loc = a.location.replace(/\s+/g, '').toLowerCase();
      const root = `${req.base}/subscriptions/${sub}/providers/Microsoft.Media/locations/${loc}`;
      return this.lroHeaders(
        `${root}/mediaServicesOperationStatuses/${id}`,
        `${root}/mediaServicesOperationResults/${id}`,
        apiVersion,
      );
    };
    switch (m) {
      case 'GET':
        return {
          ...base,
          operation: 'mediaservices.get',
          exec: () => {
            const a = find();
            return json(200, this.renderAccount(a), {
              'ams-retirement-date': retirementHeader(this.visibleRetirementDate(a)),
            });
          },
        };
      case 'PUT':
        return {
          ...base,
          operation: 'mediaservices.createOrUpdate',
          exec: () => {
            if (!/^[a-z0-9]{3,24}$/.test(name))
              throw badRequest('Account names are 3 to 24 lower-case letters and digits.', 'name');
            const existed = this.getAccount(sub, rg, name);
            const a = this.putAccount(sub, rg, name, body);
            a.props.provisioningState = 'InProgress';
            const op = this.startOperation(
              'account',
              () => delete a.props.provisioningState,
              () => this.renderAccount(a),
            );
            return json(existed ? 200 : 201, this.renderAccount(a), opUrls(a, op.id));
          },
        };
      case 'PATCH':
        return {
          ...base,
          operation: 'mediaservices.update',
          exec: () => {
            const a = find();
            if ((req.headers['ams-extend-retirement'] ?? '').toLowerCase() === 'true')
              return this.extend(a);
            const p = isObject(body.properties) ? body.properties : {};
            if (p.storageAccounts !== undefined && !Array.isArray(p.storageAccounts))
              throw badRequest('storageAccounts must be an array', 'storageAccounts');
            Object.assign(a.props, p);
            if (isObject(body.tags)) a.top.tags = body.tags;
            if (isObject(body.identity)) a.top.identity = body.identity;
            a.modified = this.clock.now();
            const op = this.startOperation('account', undefined, () => this.renderAccount(a));
            return json(202, this.renderAccount(a), opUrls(a, op.id));
          },
        };
      case 'DELETE':
        return {
          ...base,
          operation: 'mediaservices.delete',
          exec: () => {
            const a = this.getAccount(sub, rg, name);
            if (!a) return { status: 204, headers: {} };
            this.accounts.delete(accountKey(sub, rg, name));
            return { status: 200, headers: {} };
          },
        };
    }
    return undefined;
  }

  /** The one-time 30-day extension: 202 once, before the account is read-only. */
  private extend(a: Account): CoreResponse {
    if (a.extensionGrantedAt !== undefined)
      throw new ArmError(
        400,
        'RetirementExtensionAlreadyGranted',
        `The retirement of the Media Services account '${a.name}' has already been extended once; it cannot be extended again.`,
      );
    a.extensionGrantedAt = this.clock.now();
    a.retirementDate += EXTENSION_DAYS * DAY;
    return { status: 202, headers: {} };
  }

  private resourceRoute(
    req: CoreRequest,
    apiVersion: string,
    def: TypeDef,
    rest: string[],
    restLow: string[],
    body: Json,
    base: Pick<Route, 'write' | 'subscription' | 'account'>,
    account: () => Account,
  ): Route | undefined {
    const m = req.method;
    const q = req.url.searchParams;
    const createOp = [
      'jobs',
      'liveEvents',
      'liveOutputs',
      'streamingEndpoints',
      'streamingLocators',
      'streamingPolicies',
    ].includes(def.key)
      ? 'create'
      : 'createOrUpdate';
    // Collection paths: [type] or [type, name, childType] ; item: [type, name] or [type, name, childType, childName]
    let parentDef: TypeDef | undefined;
    let childDef: TypeDef | undefined;
    let itemIndex = 1;
    if (rest.length >= 3) {
      childDef = typeBySegment(restLow[2]!, def.key);
      if (childDef) {
        parentDef = def;
        itemIndex = 3;
      }
    }
    const target = childDef ?? def;
    const resolveParent = (ctx: Ctx): Res | undefined => {
      if (!parentDef) return undefined;
      const p = collectionOf(ctx.account, parentDef.key).get(rest[1]!);
      if (!p) throw notFound();
      return p;
    };
    const coll = (ctx: Ctx, parent?: Res): Collection =>
      parent ? childCollection(parent, target.key) : collectionOf(ctx.account, target.key);
    const g = target.group;

    // list
    if (rest.length === itemIndex && m === 'GET') {
      return {
        ...base,
        operation: `${g}.list`,
        exec: () => {
          const ctx = this.ctx(account());
          const parent = resolveParent(ctx);
          const collection = coll(ctx, parent);
          const readers = new Map<string, (r: Res) => unknown>();
          const top = q.get('$top');
          const page = listPage(
            collection,
            {
              filter: q.get('$filter') ?? undefined,
              orderby: q.get('$orderby') ?? undefined,
              top: top === null ? undefined : Number(top),
              skiptoken: q.get('$skiptoken') ?? undefined,
            },
            {
              pageSize: this.options.pageSizes?.[target.key] ?? target.pageSize,
              read: (r, field) => {
                let reader = readers.get(field);
                if (!reader) readers.set(field, (reader = fieldReader(ctx, target, field)));
                return reader(r);
              },
              filterable: (f) => target.filterable.some((x) => x.toLowerCase() === f.toLowerCase()),
              orderable: (f) => target.orderable.some((x) => x.toLowerCase() === f.toLowerCase()),
            },
          );
          const out: Json = {
            value: page.items.map((r) => this.renderResource(ctx, target, r, parent, parentDef)),
          };
          if (page.next !== undefined) {
            const next = new URL(req.url.pathname, req.base);
            next.searchParams.set('api-version', apiVersion);
            for (const k of ['$filter', '$orderby']) {
              const v = q.get(k);
              if (v !== null) next.searchParams.set(k, v);
            }
            if (page.nextTop !== undefined) next.searchParams.set('$top', String(page.nextTop));
            next.searchParams.set('$skiptoken', page.next);
            out['@odata.nextLink'] = next.toString();
          }
          return json(200, out);
        },
      };
    }
    if (rest.length < itemIndex + 1) return undefined;
    const itemName = rest[itemIndex]!;
    const itemUrl = `${req.base}${req.url.pathname
      .split('/')
      .slice(0, 9 + itemIndex + 1)
      .join('/')}`;
    const find = (ctx: Ctx, parent?: Res) => {
      const r =
        coll(ctx, parent).get(itemName) ?? (parent ? undefined : target.builtIn?.(itemName));
      if (!r) throw notFound();
      return r;
    };
    const lroFor = (
      ctx: Ctx,
      res: Res | undefined,
      parent: Res | undefined,
      apply?: () => void,
      gone = false,
    ) => {
      const op = this.startOperation(
        target.key === 'tracks' ? 'track' : 'resource',
        apply,
        gone || !res ? undefined : () => this.renderResource(ctx, target, res, parent, parentDef),
      );
      if (target.key === 'tracks')
        return this.lroHeaders(
          `${itemUrl}/operationStatuses/${op.id}`,
          `${itemUrl}/operationResults/${op.id}`,
          apiVersion,
        );
      const opsSegment =
        target.key === 'streamingEndpoints'
          ? 'streamingEndpointOperations'
          : target.key === 'liveEvents'
            ? 'liveEventOperations'
            : 'liveOutputOperations';
      return this.lroHeaders(
        `${req.base}${ctx.accountId}/${opsSegment}/${op.id}`,
        `${itemUrl}/operationLocations/${op.id}`,
        apiVersion,
      );
    };

    if (rest.length === itemIndex + 1) {
      switch (m) {
        case 'GET':
          return {
            ...base,
            operation: `${g}.get`,
            exec: () => {
              const ctx = this.ctx(account());
              const parent = resolveParent(ctx);
              return json(
                200,
                this.renderResource(ctx, target, find(ctx, parent), parent, parentDef),
              );
            },
          };
        case 'PUT':
          return {
            ...base,
            operation: `${g}.${createOp}`,
            exec: async () => {
              if (!isObject(req.body)) throw badRequest('The request body must be a JSON object.');
              const ctx = this.ctx(account());
              const parent = resolveParent(ctx);
              const collection = coll(ctx, parent);
              const existing =
                collection.get(itemName) ?? (parent ? undefined : target.builtIn?.(itemName));
              if (existing && target.immutable)
                throw new ArmError(
                  409,
                  'Conflict',
                  `A ${target.key.replace(/s$/, '')} named '${itemName}' already exists and cannot be updated.`,
                );
              const res = await target.build(ctx, itemName, body, existing, parent);
              collection.set(res);
              const rendered = this.renderResource(ctx, target, res, parent, parentDef);
              if (target.lro) {
                let headers: Record<string, string>;
                if (!existing && target.key === 'liveEvents' && q.get('autoStart') === 'true') {
                  res.props.resourceState = 'Starting';
                  headers = lroFor(
                    ctx,
                    res,
                    parent,
                    () => void (res.props.resourceState = 'Running'),
                  );
                } else if (
                  !existing &&
                  target.key === 'streamingEndpoints' &&
                  q.get('autoStart') === 'true'
                ) {
                  res.props.resourceState = 'Starting';
                  headers = lroFor(
                    ctx,
                    res,
                    parent,
                    () => void (res.props.resourceState = 'Running'),
                  );
                } else headers = lroFor(ctx, res, parent);
                return json(
                  existing ? 200 : 201,
                  this.renderResource(ctx, target, res, parent, parentDef),
                  headers,
                );
              }
              return json(existing ? 200 : target.createStatus, rendered);
            },
          };
        case 'PATCH':
          if (!target.patch) return undefined;
          return {
            ...base,
            operation: `${g}.update`,
            allowedReadOnly: target.key === 'streamingEndpoints' ? (b) => cdnOnly(b) : undefined,
            exec: () => {
              if (!isObject(req.body)) throw badRequest('The request body must be a JSON object.');
              const ctx = this.ctx(account());
              const parent = resolveParent(ctx);
              const res = find(ctx, parent);
              if (!target.update) throw badRequest(`${target.key} cannot be updated.`);
              target.update(ctx, res, body);
              res.modified = this.clock.now();
              coll(ctx, parent).touch();
              if (target.lro) {
                const headers = lroFor(ctx, res, parent);
                return json(202, this.renderResource(ctx, target, res, parent, parentDef), headers);
              }
              return json(200, this.renderResource(ctx, target, res, parent, parentDef));
            },
          };
        case 'DELETE':
          return {
            ...base,
            operation: `${g}.delete`,
            exec: async () => {
              const ctx = this.ctx(account());
              const parent = resolveParent(ctx);
              const collection = coll(ctx, parent);
              const res = collection.get(itemName);
              if (!res) {
                if (!parent && target.builtIn?.(itemName))
                  throw badRequest(
                    `The predefined streaming policy '${itemName}' cannot be deleted.`,
                  );
                return { status: 204, headers: {} };
              }
              target.canDelete?.(ctx, res);
              await target.onDelete?.(ctx, res);
              collection.delete(itemName);
              if (target.lro)
                return { status: 202, headers: lroFor(ctx, undefined, parent, undefined, true) };
              return { status: 200, headers: {} };
            },
          };
      }
      return undefined;
    }

    const actionLow = restLow[itemIndex + 1]!;
    // Operation locations and track operation status/result resources.
    if (rest.length === itemIndex + 3 && m === 'GET') {
      const id = rest[itemIndex + 2]!;
      if (actionLow === 'operationlocations')
        return {
          ...base,
          operation: `${g}.operationLocation`,
          exec: () => {
            const ctx = this.ctx(account());
            const parent = resolveParent(ctx);
            const res = coll(ctx, parent).get(itemName);
            return this.operationResult(
              id,
              res ? () => this.renderResource(ctx, target, res, parent, parentDef) : undefined,
            );
          },
        };
      if (target.key === 'tracks' && actionLow === 'operationstatuses')
        return {
          ...base,
          operation: 'operationStatuses.get',
          exec: () => (
            account(),
            this.operationStatus(id, `${itemUrl.slice(req.base.length)}/operationStatuses/${id}`)
          ),
        };
      if (target.key === 'tracks' && actionLow === 'operationresults')
        return {
          ...base,
          operation: 'operationResults.get',
          exec: () => (account(), this.operationResult(id)),
        };
      return undefined;
    }
    if (rest.length !== itemIndex + 2) return undefined;
    const action = target.actions?.[actionLow];
    if (!action || (action.method ?? 'POST') !== m) return undefined;
    return {
      ...base,
      operation: `${g}.${action.op}`,
      contentKey: action.contentKey,
      exec: async () => {
        const ctx = this.ctx(account());
        const parent = resolveParent(ctx);
        const res = find(ctx, parent);
        const result: ActionResult = await action.run(ctx, res, body, parent);
        if (result.lro) {
          const headers = lroFor(ctx, res, parent, result.lro.apply);
          return {
            status: result.status ?? 202,
            headers,
            ...(result.body !== undefined ? { body: result.body } : {}),
          };
        }
        return result.body === undefined
          ? { status: result.status ?? 200, headers: {} }
          : json(result.status ?? 200, result.body);
      },
    };
  }
}

class DropConnection extends Error {
  constructor(readonly delayMs: number) {
    super('drop');
  }
}

function cdnOnly(body: unknown): boolean {
  if (!isObject(body)) return false;
  const keys = Object.keys(body).filter((k) => k !== 'properties');
  if (keys.some((k) => k !== 'location' && k !== 'tags')) return false;
  const p = body.properties;
  return isObject(p) && Object.keys(p).length > 0 && Object.keys(p).every((k) => CDN_FIELDS.has(k));
}

/** A reader for one `$filter`/`$orderby` field, made once per query rather than per resource. */
function fieldReader(ctx: Ctx, def: TypeDef, field: string): (res: Res) => unknown {
  const f = field.toLowerCase();
  if (f === 'name') return (r) => r.name;
  if (f === 'properties/created') return (r) => r.created;
  if (f === 'properties/lastmodified') return (r) => r.modified;
  if (!f.startsWith('properties/')) return () => undefined;
  const key = f.slice('properties/'.length);
  const find = (o: Json) => {
    for (const k in o) if (k.toLowerCase() === key) return { value: o[k] };
    return undefined;
  };
  return (r) => (find(r.props) ?? find(def.render(ctx, r)))?.value;
}

function renderEncryption(value: unknown): Json {
  const e = isObject(value) ? value : { type: 'SystemKey' };
  if (e.type !== 'CustomerKey') return e;
  const kv = isObject(e.keyVaultProperties) ? e.keyVaultProperties : {};
  const key = typeof kv.keyIdentifier === 'string' ? kv.keyIdentifier : '';
  return { ...e, keyVaultProperties: { keyIdentifier: key, currentKeyIdentifier: key, ...kv } };
}

function throttled(seconds: number, what: string): ArmError {
  return new ArmError(
    429,
    'TooManyRequests',
    `The request was throttled: too many ${what}. Retry after ${seconds} seconds.`,
    undefined,
    { 'Retry-After': String(seconds) },
  );
}

export function json(
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): CoreResponse {
  return { status, body, headers };
}

const OPERATIONS = [
  'Microsoft.Media/mediaservices/read',
  'Microsoft.Media/mediaservices/write',
  'Microsoft.Media/mediaservices/delete',
  'Microsoft.Media/mediaservices/assets/read',
  'Microsoft.Media/mediaservices/assets/write',
  'Microsoft.Media/mediaservices/streamingLocators/listContentKeys/action',
  'Microsoft.Media/mediaservices/streamingLocators/listPaths/action',
].map((name) => ({
  name,
  display: {
    provider: 'Microsoft Media Services',
    resource: name.split('/')[2] ?? 'mediaservices',
    operation: name,
    description: name,
  },
  origin: 'user,system',
  actionType: 'Internal',
}));
