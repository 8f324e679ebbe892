import { EventNames } from '../pipeline/contracts';
import { badRequest, notAcceptable, unsupportedMediaType } from './errors';
import type { StartResult } from '../pipeline/start-migration';
import type { MigrationDetail, MigrationView } from './migrations';
import { openApiDocument } from './openapi';
import type { TriggerServices } from './services';
import { parseMigrationId, parseStartCommand } from './validation';

/**
 * The portal API's operations over plain requests and responses (no Azure Functions types): the
 * Functions registrations and the local `serve` adapter both translate to and from these.
 */

export const MAX_BODY_BYTES = 64 * 1024;

export interface ApiRequest {
  method: string;
  /** The full request URL (links in responses are built from its origin). */
  url: string;
  params: Readonly<Record<string, string | undefined>>;
  query: URLSearchParams;
  header(name: string): string | null;
  /** The raw body, already read within MAX_BODY_BYTES. */
  body?: Buffer;
  /** Who called, for the audit trail in events (a principal name, or "function-key"). */
  caller?: string;
}

export interface ApiResponse {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  stream?: NodeJS.ReadableStream;
}

export type ApiOperation = (request: ApiRequest, services: TriggerServices) => Promise<ApiResponse>;

const API_ROOT = '/api/migrations';

export interface MigrationLinks {
  self: string;
  approve: string;
  cancel: string;
  report: string;
  urlMap: string;
}

export function linksFor(requestUrl: string, id: string): MigrationLinks {
  const self = `${new URL(requestUrl).origin}${API_ROOT}/${encodeURIComponent(id)}`;
  return {
    self,
    approve: `${self}/approve`,
    cancel: `${self}/cancel`,
    report: `${self}/report`,
    urlMap: `${self}/urlmap`,
  };
}

/** JSON of a body; 415 for another media type, 400 saying where the JSON breaks. */
export function jsonBody(request: ApiRequest, required: boolean): unknown {
  const body = request.body;
  if (!body || body.length === 0) {
    if (required) throw badRequest('the request body is empty: send a JSON object');
    return undefined;
  }
  const type = request.header('content-type');
  if (type && !/^application\/([\w.+-]*\+)?json\b/i.test(type))
    throw unsupportedMediaType('application/json');
  try {
    return JSON.parse(body.toString('utf8')) as unknown;
  } catch (error) {
    throw badRequest(`the request body is not valid JSON: ${(error as Error).message}`);
  }
}

function startResponse(request: ApiRequest, result: StartResult, accountId: string): ApiResponse {
  const links = linksFor(request.url, result.instanceId);
  const created = result.outcome === 'started' || result.outcome === 'restarted';
  const running = created || result.outcome === 'already-running';
  return {
    status: running ? 202 : 200,
    headers: { Location: links.self, ...(running ? { 'Retry-After': '30' } : {}) },
    json: {
      id: result.instanceId,
      accountId,
      outcome: result.outcome,
      created,
      runtimeStatus: result.status?.runtimeStatus ?? 'Pending',
      message: {
        started: 'the migration was started',
        restarted: 'the previous run had finished; a new run was started',
        'already-running':
          'this account already has a running migration; no second one was started',
        finished: 'this account has a finished migration; send "restart": true to run it again',
      }[result.outcome],
      links,
    },
  };
}

export const startMigration: ApiOperation = async (request, services) => {
  const command = parseStartCommand(jsonBody(request, true), services.startDefaults);
  const result = await services.migrations.start(
    command.request,
    command.restart,
    request.caller ?? 'portal',
  );
  return startResponse(request, result, command.request.accountId);
};

const STATUS_FILTER = /^(Pending|Running|ContinuedAsNew|Suspended|Completed|Failed|Terminated)$/;

export const listMigrations: ApiOperation = async (request, services) => {
  const wanted = (request.query.get('runtimeStatus') ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = wanted.filter((s) => !STATUS_FILTER.test(s));
  if (bad.length)
    throw badRequest(
      `unknown runtimeStatus ${bad.join(', ')} (use Pending, Running, ContinuedAsNew, Suspended, Completed, Failed or Terminated)`,
    );
  const migrations = await services.migrations.list({ runtimeStatus: wanted });
  return {
    status: 200,
    json: {
      count: migrations.length,
      migrations: migrations.map((m: MigrationView) => ({
        ...m,
        links: linksFor(request.url, m.id),
      })),
    },
  };
};

export const getMigration: ApiOperation = async (request, services) => {
  const { instanceId } = parseMigrationId(request.params.id);
  const detail: MigrationDetail = await services.migrations.get(instanceId);
  return { status: 200, json: { ...detail, links: linksFor(request.url, instanceId) } };
};

function signal(event: typeof EventNames.approve | typeof EventNames.cancel): ApiOperation {
  return async (request, services) => {
    const { instanceId } = parseMigrationId(request.params.id);
    const body = jsonBody(request, false);
    const reason =
      typeof body === 'object' && body !== null && 'reason' in body
        ? (body as { reason: unknown }).reason
        : undefined;
    if (reason !== undefined && (typeof reason !== 'string' || reason.length > 500))
      throw badRequest('reason must be a text of at most 500 characters');
    await services.migrations.signal(instanceId, event, {
      by: request.caller ?? 'portal',
      ...(reason ? { reason } : {}),
    });
    const links = linksFor(request.url, instanceId);
    return {
      status: 202,
      headers: { Location: links.self },
      json: { id: instanceId, event, accepted: true, links },
    };
  };
}

export const approveMigration = signal(EventNames.approve);
export const cancelMigration = signal(EventNames.cancel);

interface Offer<F extends string> {
  format: F;
  type: string;
}

/** Picks a representation from `?format=` or the Accept header (first listed offer by default). */
export function negotiate<F extends string>(request: ApiRequest, offers: Offer<F>[]): Offer<F> {
  const explicit = request.query.get('format');
  if (explicit) {
    const offer = offers.find((o) => o.format === explicit.toLowerCase());
    if (!offer) throw badRequest(`format must be one of ${offers.map((o) => o.format).join(', ')}`);
    return offer;
  }
  const accept = request.header('accept');
  if (!accept) return offers[0] as Offer<F>;
  const ranges = accept
    .split(',')
    .map((part) => {
      const [range = '', ...params] = part.trim().split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)/.exec(p)?.[1]).find(Boolean);
      return { range: range.trim().toLowerCase(), q: q === undefined ? 1 : Number(q) };
    })
    .filter((r) => r.q > 0)
    .sort((a, b) => b.q - a.q);
  for (const { range } of ranges) {
    if (range === '*/*') return offers[0] as Offer<F>;
    const match = offers.find(
      (o) => o.type === range || (range.endsWith('/*') && o.type.startsWith(range.slice(0, -1))),
    );
    if (match) return match;
  }
  throw notAcceptable(offers.map((o) => o.type));
}

function artifact(
  which: 'report' | 'urlMap',
  offers: Offer<'json' | 'html' | 'csv'>[],
  fileName: string,
): ApiOperation {
  return async (request, services) => {
    const { instanceId } = parseMigrationId(request.params.id);
    const offer = negotiate(request, offers);
    const opened = await services.migrations.openArtifact(instanceId, which, offer.format);
    const headers: Record<string, string> = {
      'Content-Type': `${offer.type}; charset=utf-8`,
      'Cache-Control': 'no-store',
      Vary: 'Accept',
    };
    if (offer.format !== 'html')
      headers['Content-Disposition'] = `inline; filename="${fileName}.${offer.format}"`;
    if (opened.contentLength !== undefined)
      headers['Content-Length'] = String(opened.contentLength);
    return { status: 200, headers, stream: opened.stream };
  };
}

export const getReport = artifact(
  'report',
  [
    { format: 'json', type: 'application/json' },
    { format: 'html', type: 'text/html' },
  ],
  'report',
);

export const getUrlMap = artifact(
  'urlMap',
  [
    { format: 'csv', type: 'text/csv' },
    { format: 'json', type: 'application/json' },
  ],
  'urlmap',
);

export const getOpenApi: ApiOperation = async (request) => ({
  status: 200,
  headers: { 'Cache-Control': 'max-age=300' },
  json: openApiDocument(new URL(request.url).origin),
});
