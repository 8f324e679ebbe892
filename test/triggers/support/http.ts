import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { httpSpecs } from '../../../functions/triggers/registrations';
import type { TriggerServices } from '../../../shared/triggers/services';
import { expectDocumented } from './openapi-check';

export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

/**
 * Calls a registered HTTP handler the way the Functions host does: a real HttpRequest and
 * InvocationContext, the handler from the registration table, and the response read back. Every
 * JSON answer is checked against the OpenAPI document on the way.
 */
export async function call(
  services: TriggerServices,
  name: string,
  init: {
    method?: string;
    path?: string;
    params?: Record<string, string>;
    query?: Record<string, string>;
    headers?: Record<string, string>;
    body?: string | Buffer;
  } = {},
): Promise<CallResult> {
  const spec = httpSpecs.find((s) => s.name === name);
  if (!spec) throw new Error(`no http trigger ${name}`);
  const query = new URLSearchParams(init.query ?? {}).toString();
  const request = new HttpRequest({
    method: init.method ?? spec.methods[0],
    url: `http://lifeboat.test/api/${init.path ?? spec.route}${query ? `?${query}` : ''}`,
    headers: init.headers ?? {},
    query: init.query ?? {},
    params: init.params ?? {},
    body:
      init.body === undefined
        ? undefined
        : typeof init.body === 'string'
          ? { string: init.body }
          : { bytes: init.body },
  });
  const context = new InvocationContext({ functionName: name, invocationId: 'test-invocation' });
  const response: HttpResponseInit = await spec.handler(request, context, () => services);
  const text = await readBody(response.body);
  const headers = new Headers(response.headers as Record<string, string>);
  const isJson = /json/.test(headers.get('content-type') ?? '');
  const json = isJson && text ? (JSON.parse(text) as unknown) : undefined;
  const status = response.status ?? 200;
  if (isJson) expectDocumented(spec.name, status, json);
  return { status, headers, text, json };
}

async function readBody(body: HttpResponseInit['body']): Promise<string> {
  if (body === undefined || body === null) return '';
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  if (typeof (body as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function') {
    const chunks: Buffer[] = [];
    for await (const chunk of body as AsyncIterable<Buffer | string>)
      chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
    return Buffer.concat(chunks).toString('utf8');
  }
  throw new Error('unexpected body type');
}
