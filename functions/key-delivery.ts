import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { systemClock } from '../shared/clock';
import { getConfig } from '../shared/config';
import { createSecretStore } from '../shared/secrets';
import { deliverClearKeyLicense, deliverKey } from '../shared/targets/static/key-delivery';

/**
 * Keys of statically packaged, encrypted output, for players holding a token
 * (`Authorization: Bearer <token>` or `?token=`): GET /api/keys/{keyId} gives the raw key (HLS),
 * POST /api/clearkey a W3C Clear Key license (DASH). Anonymous at the Functions level: the token
 * is the authorization, checked in shared/targets/static/key-delivery.ts.
 */
function tokenOf(request: HttpRequest): string | undefined {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
  return bearer ?? request.query.get('token') ?? undefined;
}

function deps() {
  return { secrets: createSecretStore(getConfig()), clock: systemClock };
}

const CORS = {
  'Access-Control-Allow-Origin': '*',
  'Access-Control-Allow-Headers': 'Authorization, Content-Type',
};

export async function keyDelivery(request: HttpRequest): Promise<HttpResponseInit> {
  const response = await deliverKey(request.params.keyId ?? '', tokenOf(request), deps());
  return {
    status: response.status,
    body: response.body,
    headers: { ...response.headers, ...CORS },
  };
}

export async function clearKeyLicense(request: HttpRequest): Promise<HttpResponseInit> {
  let body: unknown;
  try {
    body = JSON.parse(await request.text());
  } catch {
    body = undefined;
  }
  const response = await deliverClearKeyLicense(body, tokenOf(request), deps());
  return {
    status: response.status,
    body: response.body,
    headers: { ...response.headers, ...CORS },
  };
}

app.http('keyDelivery', {
  route: 'keys/{keyId}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: keyDelivery,
});
app.http('clearKeyLicense', {
  route: 'clearkey',
  methods: ['POST'],
  authLevel: 'anonymous',
  handler: clearKeyLicense,
});
