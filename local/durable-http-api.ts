import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { freePort } from './net';
import type { DurableRuntime, InstanceRecord, RuntimeStatus } from './runtime';
import { isTerminal, matchesQuery } from './runtime/store';
import { EventType, type WireEvent } from './runtime/wire';

/**
 * The Durable extension's HTTP API over the local durable runtime: what the Functions host's
 * Durable extension serves to an out-of-process worker, so that the durable-functions
 * `DurableClient` that `df.getClient(context)` builds in Azure can be run unchanged on one machine.
 *
 * The client talks to `rpcBaseUrl` (the extension's loopback RPC listener, `/durabletask/`):
 * `orchestrators/{name}[/{instanceId}]`, `instances/[{instanceId}]`,
 * `instances/{id}/raiseEvent/{event}`, `instances/{id}/{terminate|suspend|resume|rewind}`. The
 * same routes are served under the public webhook path (`/runtime/webhooks/durabletask/`), which
 * the management links in the binding data and in a 202 point at.
 *
 * Status codes, bodies and headers follow the extension's HttpApiHandler (azure-functions-durable-
 * extension, src/WebJobs.Extensions.DurableTask/HttpApiHandler.cs); where this module chose
 * without a source, a comment says so. Function keys are the Functions host's business, not the
 * extension's, and the loopback RPC listener checks none: neither does this server.
 */

export interface DurableHttpApiOptions {
  runtime: DurableRuntime;
  /** The task hub the binding data names (`LIFEBOAT_TASK_HUB`). */
  taskHub: string;
  /** The storage connection the binding data names (the extension's default is `Storage`). */
  connectionName?: string;
  host?: string;
  /** A free loopback port by default. */
  port?: number;
  /** Instances per page of a query (the extension's default is 100). */
  pageSize?: number;
}

export interface DurableHttpApi {
  /** `http://127.0.0.1:{port}` */
  origin: string;
  /** What the binding data's `rpcBaseUrl` holds (trailing slash, as the extension sends it). */
  rpcBaseUrl: string;
  /** The binding data a host puts in `context.extraInputs` for a `durableClient` input. */
  bindingData(): DurableClientBindingData;
  /** Requests served, by route (`POST orchestrators`, `GET instances/{id}`...), for tests. */
  readonly calls: ReadonlyMap<string, number>;
  close(): Promise<void>;
}

/** The extension's OrchestrationClientInputData, as the Node worker hands it to the function. */
export interface DurableClientBindingData {
  taskHubName: string;
  connectionName: string | null;
  creationUrls: { createNewInstancePostUri: string; createAndWaitOnNewInstancePostUri: string };
  managementUrls: ManagementLinks;
  baseUrl: string;
  requiredQueryStringParameters: string;
  rpcBaseUrl: string;
}

const RPC_PATH = '/durabletask/';
const WEBHOOK_PATH = '/runtime/webhooks/durabletask';
/** The placeholder the extension puts in `managementUrls` (BindingHelper.InstanceIdPlaceholder). */
const INSTANCE_ID_PLACEHOLDER = 'INSTANCEID';
const CONTINUATION_HEADER = 'x-ms-continuation-token';

interface ManagementLinks {
  id: string;
  statusQueryGetUri: string;
  sendEventPostUri: string;
  terminatePostUri: string;
  rewindPostUri: string;
  purgeHistoryDeleteUri: string;
  restartPostUri: string;
  suspendPostUri: string;
  resumePostUri: string;
}

/** The extension's HttpManagementPayload: links built on the webhook path, with the hub's query. */
function managementLinks(
  origin: string,
  instanceId: string,
  taskHub: string,
  connection: string,
): ManagementLinks {
  const instance = `${origin}${WEBHOOK_PATH}/instances/${encodeURIComponent(instanceId)}`;
  const query = `taskHub=${encodeURIComponent(taskHub)}&connection=${encodeURIComponent(connection)}`;
  return {
    id: instanceId,
    statusQueryGetUri: `${instance}?${query}`,
    sendEventPostUri: `${instance}/raiseEvent/{eventName}?${query}`,
    terminatePostUri: `${instance}/terminate?reason={text}&${query}`,
    rewindPostUri: `${instance}/rewind?reason={text}&${query}`,
    purgeHistoryDeleteUri: `${instance}?${query}`,
    restartPostUri: `${instance}/restart?${query}`,
    suspendPostUri: `${instance}/suspend?reason={text}&${query}`,
    resumePostUri: `${instance}/resume?reason={text}&${query}`,
  };
}

/**
 * The binding data of a `durableClient` input pointing at a server on `origin`: what the
 * extension serialises (BindingHelper.DurableOrchestrationClientToString) and the worker parses
 * into `context.extraInputs`. `requiredQueryStringParameters` carries the system key in Azure;
 * here there is none.
 */
export function durableClientBindingData(
  origin: string,
  taskHub: string,
  connectionName = 'Storage',
): DurableClientBindingData {
  const base = `${origin}${WEBHOOK_PATH}`;
  const create = `${base}/orchestrators/{functionName}[/{instanceId}]`;
  return {
    taskHubName: taskHub,
    // Newtonsoft writes the unset property as null.
    connectionName: null,
    creationUrls: {
      createNewInstancePostUri: `${create}?`,
      createAndWaitOnNewInstancePostUri: `${create}?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&`,
    },
    managementUrls: managementLinks(origin, INSTANCE_ID_PLACEHOLDER, taskHub, connectionName),
    baseUrl: base,
    requiredQueryStringParameters: '',
    rpcBaseUrl: `${origin}${RPC_PATH}`,
  };
}

/** The extension's StatusResponsePayload (dates as `ToString("s") + "Z"`: seconds, no fraction). */
interface StatusPayload {
  name: string;
  instanceId: string;
  runtimeStatus: string;
  input: unknown;
  customStatus: unknown;
  output: unknown;
  createdTime: string;
  lastUpdatedTime: string;
  historyEvents?: unknown[];
}

const seconds = (iso: string) => new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
const parsed = (text: string | undefined): unknown =>
  text === undefined ? null : (JSON.parse(text) as unknown);

function statusPayload(record: InstanceRecord, showInput: boolean): StatusPayload {
  return {
    name: record.name,
    instanceId: record.instanceId,
    runtimeStatus: record.runtimeStatus,
    input: showInput ? parsed(record.input) : null,
    customStatus: parsed(record.customStatus),
    output: parsed(record.output),
    createdTime: seconds(record.createdTime),
    lastUpdatedTime: seconds(record.lastUpdatedTime),
  };
}

const EVENT_TYPE_NAMES = new Map<number, string>(
  Object.entries(EventType).map(([name, value]) => [value, name]),
);

/**
 * History as the extension shows it: event types by name, its bookkeeping fields (EventId,
 * IsPlayed) dropped, inputs and results only with showHistoryOutput. A simplification of the
 * extension's converter (chosen without a source for the per-type fields); the app never reads it.
 */
function historyPayload(history: WireEvent[], withOutput: boolean): unknown[] {
  return history
    .filter((e) => e.EventType !== EventType.OrchestratorStarted)
    .filter((e) => e.EventType !== EventType.OrchestratorCompleted)
    .map((e) => {
      const { EventType: type, EventId: _id, IsPlayed: _played, Input, Result, ...rest } = e;
      return {
        ...rest,
        EventType: EVENT_TYPE_NAMES.get(type) ?? String(type),
        Timestamp: e.Timestamp instanceof Date ? e.Timestamp.toISOString() : e.Timestamp,
        ...(withOutput && Input !== undefined ? { Input } : {}),
        ...(withOutput && Result !== undefined ? { Result } : {}),
      };
    });
}

const RUNTIME_STATUSES: readonly RuntimeStatus[] = [
  'Pending',
  'Running',
  'Completed',
  'ContinuedAsNew',
  'Failed',
  'Canceled',
  'Terminated',
  'Suspended',
];

/** `true`/`false` in any case, as bool.TryParse; anything else is absent. */
function boolParam(query: URLSearchParams, name: string): boolean | undefined {
  const value = query.get(name)?.trim().toLowerCase();
  return value === 'true' ? true : value === 'false' ? false : undefined;
}

/** A date the extension's DateTime.TryParse would take; an unreadable one is ignored, as there. */
function dateParam(query: URLSearchParams, name: string): Date | undefined {
  const value = query.get(name);
  if (!value) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : new Date(time);
}

class Reply {
  constructor(
    readonly status: number,
    readonly body?: unknown,
    readonly headers: Record<string, string> = {},
  ) {}
}

/** The extension's `request.CreateErrorResponse(status, message[, exception])` (an HttpError). */
const errorReply = (status: number, message: string, exception?: unknown) =>
  new Reply(status, {
    Message: message,
    ...(exception instanceof Error ? { ExceptionMessage: exception.message } : {}),
  });

export async function startDurableHttpApi(options: DurableHttpApiOptions): Promise<DurableHttpApi> {
  const { runtime, taskHub } = options;
  const connection = options.connectionName ?? 'Storage';
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? (await freePort(host));
  const pageSize = options.pageSize ?? 100;
  const origin = `http://${host}:${port}`;
  const calls = new Map<string, number>();
  const count = (route: string) => calls.set(route, (calls.get(route) ?? 0) + 1);

  async function route(req: IncomingMessage, url: URL, body: string): Promise<Reply> {
    const path = url.pathname.startsWith(RPC_PATH)
      ? url.pathname.slice(RPC_PATH.length)
      : url.pathname.startsWith(`${WEBHOOK_PATH}/`)
        ? url.pathname.slice(WEBHOOK_PATH.length + 1)
        : undefined;
    if (path === undefined) return new Reply(404);
    // The extension URL-decodes the whole path (WebUtility.UrlDecode: '+' is a space, a broken
    // escape is left as it is) before matching its route templates.
    const segments = urlDecode(path)
      .split('/')
      .filter((s) => s.length > 0);
    const method = req.method ?? 'GET';
    const [controller, first, second, third] = segments;
    const query = url.searchParams;

    if (controller === 'orchestrators' && first !== undefined && segments.length <= 3) {
      if (method !== 'POST') return new Reply(404);
      count('POST orchestrators');
      return start(first, second, body, query);
    }
    if (controller === 'entities') {
      // Chosen without a source: the local runtime has no entities, so say so plainly.
      return errorReply(501, 'durable entities are not supported by the local durable runtime');
    }
    if (controller !== 'instances') return new Reply(404);
    if (first === undefined) {
      count(`${method} instances`);
      if (method === 'GET') return list(req, query);
      if (method === 'DELETE') return purgeBy(query);
      return new Reply(404);
    }
    if (second === undefined) {
      count(`${method} instances/{id}`);
      if (method === 'GET') return status(first, url);
      if (method === 'DELETE') return purge(first);
      return new Reply(404);
    }
    if (method !== 'POST') return new Reply(404);
    if (second === 'raiseEvent' && third !== undefined && segments.length === 4) {
      count('POST instances/{id}/raiseEvent');
      return raiseEvent(first, third, req.headers['content-type'], body);
    }
    if (segments.length !== 3) return new Reply(404);
    const operation = second.toLowerCase();
    count(`POST instances/{id}/${operation}`);
    if (operation === 'terminate') return terminate(first, query.get('reason') ?? '');
    if (operation === 'suspend' || operation === 'resume') return notSupported(first, operation);
    if (operation === 'rewind') return rewind(first);
    // Chosen without a source: the local runtime has no restart (the JS client never asks).
    if (operation === 'restart')
      return errorReply(501, 'restart is not supported by the local durable runtime');
    return new Reply(404);
  }

  async function start(
    name: string,
    requestedId: string | undefined,
    body: string,
    query: URLSearchParams,
  ): Promise<Reply> {
    let input: unknown;
    try {
      input = body.length > 0 ? (JSON.parse(body) as unknown) : undefined;
    } catch (error) {
      return errorReply(400, 'Invalid JSON content', error);
    }
    if (query.has('timeout') && query.has('pollingInterval')) {
      // Chosen without a source: start-and-wait is not offered here (the JS client never asks);
      // refused before anything starts.
      return errorReply(
        501,
        'timeout and pollingInterval are not supported by this local endpoint',
      );
    }
    const instanceId = requestedId ?? randomUUID().replace(/-/g, '');
    try {
      await runtime.startInstance(name, instanceId, input);
    } catch (error) {
      // The runtime refuses a second start of an unfinished instance, as the extension's
      // OverridableExistingInstanceStates default does: OrchestrationAlreadyExistsException, 409.
      if (error instanceof Error && /already exists/i.test(error.message))
        return errorReply(409, error.message);
      throw error;
    }
    // CreateCheckStatusResponse: 202, the management links, Location and Retry-After.
    const links = managementLinks(origin, instanceId, taskHub, connection);
    return new Reply(
      202,
      {
        id: links.id,
        statusQueryGetUri: links.statusQueryGetUri,
        sendEventPostUri: links.sendEventPostUri,
        terminatePostUri: links.terminatePostUri,
        purgeHistoryDeleteUri: links.purgeHistoryDeleteUri,
        restartPostUri: links.restartPostUri,
        suspendPostUri: links.suspendPostUri,
        resumePostUri: links.resumePostUri,
      },
      { Location: links.statusQueryGetUri, 'Retry-After': '10' },
    );
  }

  async function status(instanceId: string, url: URL): Promise<Reply> {
    const query = url.searchParams;
    const record = await runtime.getRecord(instanceId);
    if (!record) return new Reply(404);
    const payload = statusPayload(record, boolParam(query, 'showInput') ?? true);
    if (boolParam(query, 'showHistory')) {
      const history = (await runtime.getHistory(instanceId)) ?? [];
      payload.historyEvents = historyPayload(
        history,
        boolParam(query, 'showHistoryOutput') ?? false,
      );
    }
    switch (record.runtimeStatus) {
      case 'Pending':
      case 'Running':
      case 'ContinuedAsNew':
      case 'Suspended':
        // The extension points Location at the request's own URL.
        return new Reply(202, payload, { Location: url.href, 'Retry-After': '5' });
      case 'Failed':
        return new Reply(
          boolParam(query, 'returnInternalServerErrorOnFailure') ? 500 : 200,
          payload,
        );
      default:
        return new Reply(200, payload);
    }
  }

  async function list(req: IncomingMessage, query: URLSearchParams): Promise<Reply> {
    // Unknown status names are skipped, as Enum.TryParse does in the extension.
    const statuses = query
      .getAll('runtimeStatus')
      .flatMap((v) => v.split(','))
      .filter((v): v is RuntimeStatus => (RUNTIME_STATUSES as readonly string[]).includes(v));
    const createdTimeFrom = dateParam(query, 'createdTimeFrom');
    const createdTimeTo = dateParam(query, 'createdTimeTo');
    const prefix = query.get('instanceIdPrefix') ?? '';
    const showInput = boolParam(query, 'showInput') ?? true;
    const top = Number.parseInt(query.get('top') ?? '', 10);
    const size = Number.isInteger(top) && top > 0 ? top : pageSize;
    const after = readToken(req.headers[CONTINUATION_HEADER]);

    const filter = {
      ...(createdTimeFrom ? { createdTimeFrom } : {}),
      ...(createdTimeTo ? { createdTimeTo } : {}),
      ...(statuses.length ? { runtimeStatus: statuses } : {}),
    };
    // The store holds what was last committed; a live instance may be ahead of it.
    const records = (
      await Promise.all(
        (await runtime.store.queryInstances()).map(
          async (r) => (await runtime.getRecord(r.instanceId)) ?? r,
        ),
      )
    )
      .filter((r) => matchesQuery(r, filter) && r.instanceId.startsWith(prefix))
      .filter((r) => after === undefined || r.instanceId > after)
      .sort((a, b) => (a.instanceId < b.instanceId ? -1 : a.instanceId > b.instanceId ? 1 : 0));
    const page = records.slice(0, size);
    const last = page[page.length - 1];
    // The extension always adds the header (empty at the end); the client stops on either.
    const more = records.length > size && last !== undefined;
    return new Reply(
      200,
      page.map((r) => statusPayload(r, showInput)),
      more ? { [CONTINUATION_HEADER]: Buffer.from(last.instanceId).toString('base64') } : {},
    );
  }

  async function raiseEvent(
    instanceId: string,
    eventName: string,
    contentType: string | undefined,
    body: string,
  ): Promise<Reply> {
    const record = await runtime.getRecord(instanceId);
    if (!record) return new Reply(404);
    if (isTerminal(record.runtimeStatus)) return new Reply(410);
    const mediaType = (contentType ?? '').split(';')[0]?.trim().toLowerCase();
    if (mediaType !== 'application/json')
      return errorReply(400, 'Only application/json request content is supported');
    let data: unknown;
    try {
      // Chosen without a source: an empty body (the client sends none for undefined data) is null.
      data = body.length > 0 ? (JSON.parse(body) as unknown) : null;
    } catch (error) {
      return errorReply(400, 'Invalid JSON content', error);
    }
    await runtime.raiseEvent(instanceId, eventName, data);
    return new Reply(202);
  }

  async function terminate(instanceId: string, reason: string): Promise<Reply> {
    const record = await runtime.getRecord(instanceId);
    if (!record) return new Reply(404);
    if (isTerminal(record.runtimeStatus)) return new Reply(410);
    await runtime.terminate(instanceId, reason);
    return new Reply(202);
  }

  async function notSupported(instanceId: string, operation: string): Promise<Reply> {
    const record = await runtime.getRecord(instanceId);
    if (!record) return new Reply(404);
    if (isTerminal(record.runtimeStatus)) return new Reply(410);
    // Chosen without a source: the local runtime cannot suspend; 501 says so rather than pretend.
    return errorReply(501, `${operation} is not supported by the local durable runtime`);
  }

  async function rewind(instanceId: string): Promise<Reply> {
    const record = await runtime.getRecord(instanceId);
    if (!record) return new Reply(404, `No orchestration with instance ID "${instanceId}" found.`);
    if (record.runtimeStatus !== 'Failed')
      return new Reply(
        412,
        `This orchestration has status ${record.runtimeStatus}, but only orchestrations in the "Failed" state can be rewound.`,
      );
    return errorReply(501, 'Rewind is not supported by the underlying storage provider.');
  }

  async function purge(instanceId: string): Promise<Reply> {
    const record = await runtime.getRecord(instanceId);
    if (!record) return new Reply(404);
    if (!isTerminal(record.runtimeStatus))
      return new Reply(
        412,
        `Only orchestrations in a terminal state can be purged, but the orchestration with instance ID ${instanceId} has status ${record.runtimeStatus}`,
      );
    return new Reply(200, { instancesDeleted: await runtime.purge(instanceId) });
  }

  async function purgeBy(query: URLSearchParams): Promise<Reply> {
    const createdTimeFrom = dateParam(query, 'createdTimeFrom');
    if (!createdTimeFrom)
      return new Reply(400, "Please provide value for 'createdTimeFrom' parameter.");
    const createdTimeTo = dateParam(query, 'createdTimeTo') ?? new Date(runtime.clock.now());
    const statuses = (query.get('runtimeStatus') ?? '')
      .split(',')
      .filter((v): v is RuntimeStatus => (RUNTIME_STATUSES as readonly string[]).includes(v));
    const records = await runtime.store.queryInstances({
      createdTimeFrom,
      createdTimeTo,
      ...(statuses.length ? { runtimeStatus: statuses } : {}),
    });
    let deleted = 0;
    for (const record of records) deleted += await runtime.purge(record.instanceId);
    return deleted === 0 ? new Reply(404) : new Reply(200, { instancesDeleted: deleted });
  }

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', origin);
      route(req, url, Buffer.concat(chunks).toString('utf8'))
        .catch((error: unknown) =>
          errorReply(500, 'Something went wrong while processing your request', error),
        )
        .then((reply) => send(res, reply))
        .catch(() => res.destroy());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });

  return {
    origin,
    rpcBaseUrl: `${origin}${RPC_PATH}`,
    bindingData: () => durableClientBindingData(origin, taskHub, connection),
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function urlDecode(path: string): string {
  const spaced = path.replace(/\+/g, ' ');
  try {
    return decodeURIComponent(spaced);
  } catch {
    return spaced.replace(/%[0-9a-f]{2}/gi, (escape) => {
      try {
        return decodeURIComponent(escape);
      } catch {
        return escape;
      }
    });
  }
}

function readToken(header: string | string[] | undefined): string | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  return Buffer.from(value, 'base64').toString('utf8');
}

function send(res: ServerResponse, reply: Reply): void {
  const headers: Record<string, string> = { ...reply.headers };
  let text: string | undefined;
  if (reply.body !== undefined) {
    text = JSON.stringify(reply.body);
    headers['Content-Type'] = 'application/json; charset=utf-8';
  }
  res.writeHead(reply.status, headers);
  res.end(text);
}
