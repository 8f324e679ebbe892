import { secretName, type SecretStore } from '../secrets/secret-store';

/**
 * Property names that carry key material or credentials in AMS resources (content key values,
 * token signing keys, FairPlay ASK and PFX, SAS URLs). A GET should not return their values, but
 * if one does, the value goes to the secret store and the record keeps only a reference.
 */
export const SECRET_FIELDS = new Set(
  [
    'value', // StreamingLocatorContentKey.value
    'keyValue', // symmetric token keys
    'ask',
    'fairPlayPfx',
    'fairPlayPfxPassword',
    'symmetricKey',
    'primaryKey',
    'secondaryKey',
    'sasUrl',
    'assetContainerSasUrls',
    'password',
  ].map((f) => f.toLowerCase()),
);

export interface SecretRef {
  secretRef: string;
}

function isBytes(value: unknown): value is Uint8Array {
  return value instanceof Uint8Array;
}

function secretText(value: unknown): string | undefined {
  if (typeof value === 'string') return value.length ? value : undefined;
  if (isBytes(value)) return value.length ? Buffer.from(value).toString('base64') : undefined;
  if (Array.isArray(value) && value.length) return JSON.stringify(value);
  return undefined;
}

/**
 * Returns a JSON-safe copy of `record` with secret values moved to the store. Byte arrays that are
 * not secrets become base64 strings (JSON.stringify would spell them out byte by byte).
 */
export async function moveSecrets(
  record: unknown,
  store: SecretStore,
  owner: string[],
  tags?: Record<string, string>,
): Promise<{ record: unknown; secrets: string[] }> {
  const secrets: string[] = [];
  const walk = async (value: unknown, path: string): Promise<unknown> => {
    if (value === null || value === undefined) return value;
    if (value instanceof Date) return value.toISOString();
    if (isBytes(value)) return Buffer.from(value).toString('base64');
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (let i = 0; i < value.length; i++) out.push(await walk(value[i], `${path}[${i}]`));
      return out;
    }
    if (typeof value !== 'object') return value;
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
      const childPath = `${path}.${key}`;
      // `value` is a secret only on content keys (filter conditions have a harmless `value`).
      const secretField =
        SECRET_FIELDS.has(key.toLowerCase()) &&
        (key !== 'value' || /contentKeys\[\d+\]$/i.test(path));
      const text = secretField ? secretText(child) : undefined;
      if (text !== undefined) {
        const name = secretName('snapshot-secret', ...owner, childPath);
        await store.put(name, text, tags);
        secrets.push(name);
        out[key] = { secretRef: name } satisfies SecretRef;
      } else {
        out[key] = await walk(child, childPath);
      }
    }
    return out;
  };
  return { record: await walk(record, '$'), secrets };
}
