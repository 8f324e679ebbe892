import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { CoreResponse } from './core';

const MAX_BODY = 8 * 1024 * 1024;

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('request body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Writes an answer the way ARM does: JSON with OData metadata headers and a request id. */
export function send(res: ServerResponse, answer: CoreResponse): void {
  if (answer.drop) {
    res.socket?.destroy();
    return;
  }
  const headers: Record<string, string> = {
    'x-ms-request-id': randomUUID(),
    'x-ms-correlation-request-id': randomUUID(),
    ...answer.headers,
  };
  let payload: string | undefined;
  if (answer.body !== undefined) {
    payload = JSON.stringify(answer.body);
    headers['Content-Type'] =
      answer.status < 400
        ? 'application/json; odata.metadata=minimal'
        : 'application/json; charset=utf-8';
    if (answer.status < 400) headers['OData-Version'] = '4.0';
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  } else headers['Content-Length'] = '0';
  res.writeHead(answer.status, headers);
  res.end(payload);
}
