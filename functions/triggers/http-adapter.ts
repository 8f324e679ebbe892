import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { MAX_BODY_BYTES, type ApiOperation, type ApiRequest } from '../../shared/triggers/api';
import { ApiError, errorBody, tooLarge } from '../../shared/triggers/errors';
import type { TriggerServices } from '../../shared/triggers/services';
import { describeError } from '../../shared/telemetry/redact';

/**
 * Turns a portal API operation into an HTTP handler: reads the body within the size limit, calls
 * the operation, and maps its answer (or its ApiError) to a response. Unexpected errors are logged
 * redacted and answered with a plain 500 that reveals nothing.
 */
export type HttpTriggerHandler = (
  request: HttpRequest,
  context: InvocationContext,
  services: () => TriggerServices,
) => Promise<HttpResponseInit>;

export function httpHandler(operation: ApiOperation): HttpTriggerHandler {
  return async (request, context, services) => {
    try {
      const api: ApiRequest = {
        method: request.method,
        url: request.url,
        params: request.params,
        query: request.query,
        header: (name) => request.headers.get(name),
        body: request.method === 'GET' ? undefined : await readBody(request, MAX_BODY_BYTES),
        caller: callerOf(request),
      };
      const result = await operation(api, services());
      return {
        status: result.status,
        headers: {
          ...(result.json !== undefined
            ? { 'Content-Type': 'application/json; charset=utf-8' }
            : {}),
          ...result.headers,
        },
        ...(result.stream
          ? { body: result.stream as HttpResponseInit['body'] }
          : result.json !== undefined
            ? { body: JSON.stringify(result.json) }
            : {}),
      };
    } catch (error) {
      if (error instanceof ApiError) {
        return {
          status: error.status,
          headers: { 'Content-Type': 'application/json; charset=utf-8' },
          body: JSON.stringify(errorBody(error)),
        };
      }
      context.error(`${context.functionName} failed: ${describeError(error)}`);
      return {
        status: 500,
        headers: { 'Content-Type': 'application/json; charset=utf-8' },
        body: JSON.stringify(
          errorBody(
            new ApiError(
              500,
              'InternalError',
              `the request failed; see the logs of invocation ${context.invocationId}`,
            ),
          ),
        ),
      };
    }
  };
}

/** Reads at most `limit` bytes; a larger body (announced or actual) is a 413. */
export async function readBody(request: HttpRequest, limit: number): Promise<Buffer | undefined> {
  const announced = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(announced) && announced > limit) throw tooLarge(limit);
  if (!request.body) return undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

/**
 * The caller, for the audit trail of approve and cancel: the Entra ID principal App Service
 * Authentication puts in front (its header cannot be forged through the front end), else "key".
 */
function callerOf(request: HttpRequest): string {
  const principal = request.headers.get('x-ms-client-principal-name');
  return principal ? principal.slice(0, 200) : 'function-key';
}
