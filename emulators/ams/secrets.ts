/** Fields of content key policy options that GET blanks and getPolicyPropertiesWithSecrets reveals. */
const SECRET_FIELDS = new Set(['keyValue', 'ask', 'fairPlayPfx', 'fairPlayPfxPassword']);

export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(maskSecrets);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      out[k] = SECRET_FIELDS.has(k) && typeof v === 'string' ? '' : maskSecrets(v);
    return out;
  }
  return value;
}
