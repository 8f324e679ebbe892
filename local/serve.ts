import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { Readable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import {
  HttpRequest,
  InvocationContext,
  type EventGridEvent,
  type HttpResponseInit,
  type LogLevel,
} from '@azure/functions';
import {
  triggerSpecs,
  type BlobTriggerSpec,
  type HttpTriggerSpec,
  type TriggerSpec,
} from '../functions/triggers/registrations';
import { MAX_BODY_BYTES } from '../shared/triggers/api';
import { errorBody, ApiError } from '../shared/triggers/errors';
import type { TriggerServices } from '../shared/triggers/services';
import { describeError } from '../shared/telemetry/redact';

/**
 * `ams-lifeboat serve`: the app's triggers over plain Node HTTP on one machine, so a portal can be
 * tried without Azure. It reads the same registration table as the Functions host and calls the
 * very same handlers with real HttpRequest and InvocationContext objects; only the host's own
 * duties are done here: routing, function keys, and the webhooks through which the host
 * receives Event Grid deliveries and runs non-HTTP functions on demand:
 *
 * - `/api/{route}`: the portal API (function key in `x-functions-key` or `?code=`).
 * - `POST /runtime/webhooks/eventgrid?functionName={name}`: Event Grid deliveries (and the
 *   subscription validation handshake) for the Event Grid trigger and the Event Grid blob trigger.
 * - `POST /admin/functions/{name}`: runs the timer sweep now, or the request-file trigger for the
 *   blob named by `{"input": "migration-requests/file.csv"}`.
 */

export interface ServeOptions {
  /** The services the handlers use, with the local runtime's durable client in them. */
  services: () => TriggerServices;
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Accepted function keys; one is generated when none is given. */
  keys?: string[];
  specs?: readonly TriggerSpec[];
  /** Browser origins allowed to call the API (CORS), as the Functions platform's CORS setting. */
  corsOrigins?: string[];
  log?: (level: LogLevel, message: string) => void;
}

export interface ServeHandle {
  url: string;
  /** A function key to call the API with. */
  key: string;
  close(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<ServeHandle> {
  const specs = options.specs ?? triggerSpecs;
  const keys = options.keys?.length ? options.keys : [randomBytes(24).toString('base64url')];
  const log = options.log ?? (() => undefined);
  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) return void res.destroy();
      if (error instanceof ApiError) return sendError(res, error);
      log('error', `serve: ${describeError(error)}`);
      sendError(res, new ApiError(500, 'InternalError', 'the request failed; see the log'));
    });
  });

  const context = (functionName: string, triggerMetadata?: Record<string, unknown>) =>
    new InvocationContext({
      functionName,
      invocationId: randomUUID(),
      triggerMetadata,
      logHandler: (level, ...args) => log(level, `${functionName}: ${args.map(String).join(' ')}`),
    });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`);
    const method = (req.method ?? 'GET').toUpperCase();
    const origin = req.headers.origin;
    if (origin && options.corsOrigins?.some((o) => o === '*' || o === origin)) {
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Vary', 'Origin');
      res.setHeader('Access-Control-Expose-Headers', 'Location, Retry-After, Content-Disposition');
      if (method === 'OPTIONS') {
        res.writeHead(204, {
          'Access-Control-Allow-Methods': 'GET, POST, OPTIONS',
          'Access-Control-Allow-Headers': 'Content-Type, Accept, x-functions-key, Authorization',
          'Access-Control-Max-Age': '600',
        });
        return void res.end();
      }
    }

    if (url.pathname.startsWith('/api/')) {
      const match = matchRoute(specs, method, url.pathname.slice('/api/'.length));
      if (!match)
        return sendError(res, new ApiError(404, 'NotFound', `no route ${method} ${url.pathname}`));
      if (match.spec.authLevel !== 'anonymous' && !authorized(req, url, keys))
        return sendUnauthorized(res);
      const body = await readLimited(req, MAX_BODY_BYTES + 1);
      const request = new HttpRequest({
        method,
        url: url.toString(),
        headers: flatHeaders(req),
        query: Object.fromEntries(url.searchParams),
        params: match.params,
        ...(body.length ? { body: { bytes: body } } : {}),
      });
      const response = await match.spec.handler(
        request,
        context(match.spec.name),
        options.services,
      );
      return send(res, response);
    }

    if (method === 'POST' && url.pathname === '/runtime/webhooks/eventgrid') {
      if (!authorized(req, url, keys)) return sendUnauthorized(res);
      const name = url.searchParams.get('functionName') ?? '';
      const spec = specs.find(
        (s) => s.name === name.replace(/^Host\.Functions\./, '') && s.kind !== 'http',
      );
      if (!spec || (spec.kind !== 'eventGrid' && spec.kind !== 'blob'))
        return sendError(res, new ApiError(404, 'NotFound', `no Event Grid function "${name}"`));
      const events = parseEvents(await readLimited(req, 1024 * 1024));
      const validation = events.find(
        (e) => e.eventType === 'Microsoft.EventGrid.SubscriptionValidationEvent',
      );
      if (validation) {
        const code = (validation.data as { validationCode?: unknown } | undefined)?.validationCode;
        return sendJson(res, 200, { validationResponse: code });
      }
      for (const event of events) {
        if (spec.kind === 'eventGrid')
          await spec.handler(event, context(spec.name), options.services);
        else await runBlobTrigger(spec, blobPathOf(event), options.services, context);
      }
      res.writeHead(200).end();
      return;
    }

    const admin = /^\/admin\/functions\/([^/]+)$/.exec(url.pathname);
    if (method === 'POST' && admin) {
      if (!authorized(req, url, keys)) return sendUnauthorized(res);
      const spec = specs.find((s) => s.name === admin[1] && s.kind !== 'http');
      if (!spec) return sendError(res, new ApiError(404, 'NotFound', `no function "${admin[1]}"`));
      const body = await readLimited(req, 64 * 1024);
      const input = parseAdminInput(body);
      let result: unknown;
      if (spec.kind === 'timer')
        result = await spec.handler(undefined, context(spec.name), options.services);
      else if (spec.kind === 'blob')
        result = await runBlobTrigger(spec, input, options.services, context);
      else
        return sendError(
          res,
          badAdmin(
            `${spec.name} runs on Event Grid deliveries; post them to /runtime/webhooks/eventgrid`,
          ),
        );
      return sendJson(res, 202, { function: spec.name, result: result ?? null });
    }

    sendError(res, new ApiError(404, 'NotFound', `no route ${method} ${url.pathname}`));
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${address.address}:${address.port}`,
    key: keys[0] as string,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface RouteMatch {
  spec: HttpTriggerSpec;
  params: Record<string, string>;
}

/** Matches a path against the registered route templates (`migrations/{id}/report`). */
export function matchRoute(
  specs: readonly TriggerSpec[],
  method: string,
  path: string,
): RouteMatch | undefined {
  const segments = path.replace(/\/+$/, '').split('/');
  for (const spec of specs) {
    if (spec.kind !== 'http' || !spec.methods.includes(method as never)) continue;
    const template = spec.route.split('/');
    if (template.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const ok = template.every((part, i) => {
      const segment = segments[i] ?? '';
      const param = /^\{(\w+)\}$/.exec(part)?.[1];
      if (param) {
        try {
          params[param] = decodeURIComponent(segment);
        } catch {
          params[param] = segment;
        }
        return segment.length > 0;
      }
      return part.toLowerCase() === segment.toLowerCase();
    });
    if (ok) return { spec, params };
  }
  return undefined;
}

function authorized(req: IncomingMessage, url: URL, keys: string[]): boolean {
  const header = req.headers['x-functions-key'];
  const given = (Array.isArray(header) ? header[0] : header) ?? url.searchParams.get('code') ?? '';
  const candidate = Buffer.from(given);
  return keys.some((key) => {
    const expected = Buffer.from(key);
    return expected.length === candidate.length && timingSafeEqual(expected, candidate);
  });
}

/** Reads at most `limit` bytes of a body; the rest is drained, not kept. */
function readLimited(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      if (size >= limit) return;
      const room = limit - size;
      const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
      chunks.push(kept);
      size += kept.length;
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

async function send(res: ServerResponse, response: HttpResponseInit): Promise<void> {
  const headers = new Headers(response.headers as Record<string, string> | undefined);
  let body = response.body;
  if (response.jsonBody !== undefined) {
    body = JSON.stringify(response.jsonBody);
    if (!headers.has('content-type')) headers.set('content-type', 'application/json');
  }
  res.writeHead(response.status ?? 200, Object.fromEntries(headers));
  if (body === undefined || body === null) return void res.end();
  if (typeof body === 'string' || Buffer.isBuffer(body)) return void res.end(body);
  if (body instanceof Readable) return pipe(body, res);
  if (typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] === 'function')
    return pipe(Readable.from(body as AsyncIterable<Uint8Array>), res);
  if (body instanceof ReadableStream)
    return pipe(Readable.fromWeb(body as import('node:stream/web').ReadableStream), res);
  res.end(String(body));
}

function pipe(source: Readable, res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    source.on('error', () => res.destroy());
    res.on('close', () => resolve());
    source.pipe(res);
  });
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, error: ApiError): void {
  sendJson(res, error.status, errorBody(error));
}

function sendUnauthorized(res: ServerResponse): void {
  sendError(
    res,
    new ApiError(
      401,
      'Unauthorized',
      'a function key is required: send it in the x-functions-key header or the code query parameter',
    ),
  );
}

const badAdmin = (message: string) => new ApiError(400, 'BadRequest', message);

function parseEvents(body: Buffer): EventGridEvent[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw badAdmin('an Event Grid delivery must be a JSON array of events');
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  return list.filter(
    (e): e is EventGridEvent =>
      typeof e === 'object' && e !== null && typeof (e as { id?: unknown }).id === 'string',
  );
}

function parseAdminInput(body: Buffer): string {
  if (!body.length) return '';
  try {
    const input = (JSON.parse(body.toString('utf8')) as { input?: unknown }).input;
    return typeof input === 'string' ? input : '';
  } catch {
    return '';
  }
}

/** `{container}/{blob}` of a BlobCreated event. */
function blobPathOf(event: EventGridEvent): string {
  const match = /^\/blobServices\/default\/containers\/([^/]+)\/blobs\/(.+)$/.exec(event.subject);
  return match ? `${match[1]}/${match[2]}` : '';
}

/** Reads the blob a blob trigger fires for and calls its handler, as the host's binding does. */
async function runBlobTrigger(
  spec: BlobTriggerSpec,
  path: string,
  services: () => TriggerServices,
  context: (name: string, metadata?: Record<string, unknown>) => InvocationContext,
): Promise<unknown> {
  const container = spec.path.split('/')[0] ?? '';
  const [given, ...rest] = path.split('/');
  const name = rest.join('/');
  if (given !== container || !name)
    throw badAdmin(`${spec.name} fires for blobs in ${container}/, not "${path}"`);
  const content = await services()
    .requestFiles.blobs.getContainerClient(container)
    .getBlobClient(name)
    .downloadToBuffer();
  return spec.handler(content, context(spec.name, { name, blobTrigger: path }), services);
}
