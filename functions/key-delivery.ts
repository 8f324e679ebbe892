import { app, type HttpRequest, type HttpResponseInit } from '@azure/functions';
import { systemClock } from '../shared/clock';
import { getConfig } from '../shared/config';
import { createSecretStore } from '../shared/secrets';
import { deliverKey } from '../shared/targets/static/key-delivery';

/**
 * GET /api/keys/{keyId}: the AES key of statically packaged output, for players holding a token
 * (`Authorization: Bearer <token>` or `?token=`). Anonymous at the Functions level: the token is
 * the authorization, checked in shared/targets/static/key-delivery.ts.
 */
export async function keyDelivery(request: HttpRequest): Promise<HttpResponseInit> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.get('authorization') ?? '')?.[1];
  const token = bearer ?? request.query.get('token') ?? undefined;
  const response = await deliverKey(request.params.keyId ?? '', token, {
    secrets: createSecretStore(getConfig()),
    clock: systemClock,
  });
  return {
    status: response.status,
    body: response.body,
    headers: { ...response.headers, 'Access-Control-Allow-Origin': '*' },
  };
}

app.http('keyDelivery', {
  route: 'keys/{keyId}',
  methods: ['GET'],
  authLevel: 'anonymous',
  handler: keyDelivery,
});
