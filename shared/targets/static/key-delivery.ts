import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../../clock';
import type { SecretStore } from '../../secrets/secret-store';
import { outputKeySecretName } from './static-target';

/**
 * Key delivery for statically packaged, AES (cbcs) encrypted output: a player asks for
 * `{keyDeliveryUrl}/{keyId}` with a token and gets the 16 key bytes. Tokens are issued by the
 * customer's own backend (or the player's auth service) with `issueKeyToken`: an HMAC-SHA256 over
 * the key id (or `*` for every key) and an expiry, signed with a key that lives only in the secret
 * store. Keys are never logged or returned anywhere else.
 */

export const SIGNING_SECRET = 'static-key-delivery-signing';
const KEY_ID = /^[0-9a-f]{32}$/;

async function signingKey(secrets: SecretStore, create: boolean): Promise<Buffer | undefined> {
  const existing = await secrets.get(SIGNING_SECRET);
  if (existing) return Buffer.from(existing, 'base64');
  if (!create) return undefined;
  const fresh = randomBytes(32).toString('base64');
  await secrets.put(SIGNING_SECRET, fresh, { purpose: 'static-key-delivery' });
  return Buffer.from(fresh, 'base64');
}

function sign(key: Buffer, payload: string): string {
  return createHmac('sha256', key).update(payload).digest('base64url');
}

/** A token for one key id (or `*`), valid until `expiresAt` (ms since the epoch). */
export async function issueKeyToken(
  secrets: SecretStore,
  keyId: string,
  expiresAt: number,
): Promise<string> {
  if (keyId !== '*' && !KEY_ID.test(keyId)) throw new Error('a key id is 32 hex digits');
  const key = (await signingKey(secrets, true))!;
  const payload = Buffer.from(
    JSON.stringify({ kid: keyId, exp: Math.floor(expiresAt / 1000) }),
  ).toString('base64url');
  return `${payload}.${sign(key, payload)}`;
}

export interface KeyResponse {
  status: number;
  body: Buffer | string;
  headers: Record<string, string>;
}

const NO_STORE = { 'Cache-Control': 'no-store', 'Content-Type': 'text/plain; charset=utf-8' };

function deny(status: number, message: string): KeyResponse {
  return { status, body: message, headers: NO_STORE };
}

/** Checks a token for one key id; returns the refusal, or undefined when it is good. */
async function refuse(
  keyId: string,
  token: string | undefined,
  deps: { secrets: SecretStore; clock: Clock },
): Promise<KeyResponse | undefined> {
  if (!token) return deny(401, 'a token is required');
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return deny(403, 'the token is malformed');
  const key = await signingKey(deps.secrets, false);
  if (!key) return deny(403, 'the token is not valid');
  const expected = Buffer.from(sign(key, payload));
  const given = Buffer.from(signature);
  if (expected.length !== given.length || !timingSafeEqual(expected, given))
    return deny(403, 'the token is not valid');
  let claims: { kid?: unknown; exp?: unknown };
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof claims;
  } catch {
    return deny(403, 'the token is malformed');
  }
  if (typeof claims.exp !== 'number' || claims.exp * 1000 <= deps.clock.now())
    return deny(403, 'the token has expired');
  if (claims.kid !== '*' && claims.kid !== keyId) return deny(403, 'the token is for another key');
  return undefined;
}

async function storedKey(secrets: SecretStore, keyId: string): Promise<Buffer | undefined> {
  const stored = await secrets.get(outputKeySecretName(keyId));
  if (!stored) return undefined;
  const value = (JSON.parse(stored) as { key?: unknown }).key;
  if (typeof value !== 'string') throw new Error('a stored output key is unusable');
  return Buffer.from(value, 'base64');
}

/** Answers one key request (HLS `EXT-X-KEY` URI). `token` comes from `Authorization: Bearer` or the `token` query. */
export async function deliverKey(
  keyIdRaw: string,
  token: string | undefined,
  deps: { secrets: SecretStore; clock: Clock },
): Promise<KeyResponse> {
  const keyId = keyIdRaw.toLowerCase();
  if (!KEY_ID.test(keyId)) return deny(400, 'the key id must be 32 hex digits');
  const refusal = await refuse(keyId, token, deps);
  if (refusal) return refusal;
  const key = await storedKey(deps.secrets, keyId);
  if (!key) return deny(404, 'no such key');
  return {
    status: 200,
    body: key,
    headers: { 'Content-Type': 'application/octet-stream', 'Cache-Control': 'private, no-store' },
  };
}

/**
 * A W3C Clear Key license for DASH players (EME `org.w3.clearkey`): the request names key ids
 * (`{"kids":["<base64url>"],"type":"temporary"}`), the answer gives them as JWKs. The token must
 * cover every key asked for.
 */
export async function deliverClearKeyLicense(
  body: unknown,
  token: string | undefined,
  deps: { secrets: SecretStore; clock: Clock },
): Promise<KeyResponse> {
  const kids = (body as { kids?: unknown } | null)?.kids;
  if (
    !Array.isArray(kids) ||
    !kids.length ||
    kids.length > 16 ||
    !kids.every((k) => typeof k === 'string')
  ) {
    return deny(400, 'the license request needs a kids array of base64url key ids');
  }
  const keys: Array<{ kty: 'oct'; kid: string; k: string }> = [];
  for (const kid of kids as string[]) {
    const keyId = Buffer.from(kid, 'base64url').toString('hex');
    if (!KEY_ID.test(keyId)) return deny(400, 'a key id is not 16 bytes');
    const refusal = await refuse(keyId, token, deps);
    if (refusal) return refusal;
    const key = await storedKey(deps.secrets, keyId);
    if (!key) return deny(404, 'no such key');
    keys.push({ kty: 'oct', kid, k: key.toString('base64url') });
  }
  return {
    status: 200,
    body: JSON.stringify({ keys, type: 'temporary' }),
    headers: { 'Content-Type': 'application/json', 'Cache-Control': 'private, no-store' },
  };
}
