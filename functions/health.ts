import { app, type HttpResponseInit } from '@azure/functions';
import { getConfig } from '../shared/config';

/** Liveness for the portal and deployment checks; says nothing about secrets or settings. */
export async function health(): Promise<HttpResponseInit> {
  getConfig();
  return { status: 200, jsonBody: { status: 'ok', service: 'ams-lifeboat' } };
}

app.http('health', { route: 'health', methods: ['GET'], authLevel: 'anonymous', handler: health });
