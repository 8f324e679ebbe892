import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join, dirname, normalize, relative } from 'node:path';

/** Replays the spec's examples: which operation each example belongs to, and shape comparison. */
export const SPEC_DIR = join(__dirname, '..', '..', 'emulators', 'ams', 'spec');

type Json = Record<string, unknown>;

export interface Example {
  file: string;
  method: string;
  pathTemplate: string;
  bodyParam?: string;
  parameters: Json;
  responses: Record<string, { headers?: Record<string, string>; body?: unknown }>;
}

function walk(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) walk(p, out);
    else out.push(p);
  }
  return out;
}

const BASE =
  '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.Media/mediaServices/{accountName}';

/** The streaming policy and locator swagger is lost: their examples are mapped by file name. */
const UNLINKED: Array<[RegExp, string, string, string?]> = [
  [
    /^streaming-locators-create-/,
    'PUT',
    `${BASE}/streamingLocators/{streamingLocatorName}`,
    'parameters',
  ],
  [/^streaming-locators-delete/, 'DELETE', `${BASE}/streamingLocators/{streamingLocatorName}`],
  [/^streaming-locators-get-by-name/, 'GET', `${BASE}/streamingLocators/{streamingLocatorName}`],
  [
    /^streaming-locators-list-paths/,
    'POST',
    `${BASE}/streamingLocators/{streamingLocatorName}/listPaths`,
  ],
  [/^streaming-locators-list\.json/, 'GET', `${BASE}/streamingLocators`],
  [
    /^streaming-policies-create-/,
    'PUT',
    `${BASE}/streamingPolicies/{streamingPolicyName}`,
    'parameters',
  ],
  [/^streaming-policies-delete/, 'DELETE', `${BASE}/streamingPolicies/{streamingPolicyName}`],
  [/^streaming-policies-list/, 'GET', `${BASE}/streamingPolicies`],
  [/^streaming-policy-get-by-name/, 'GET', `${BASE}/streamingPolicies/{streamingPolicyName}`],
];

export function loadExamples(): Example[] {
  const files = walk(SPEC_DIR);
  const linked = new Map<string, { method: string; path: string; bodyParam?: string }>();
  for (const file of files.filter(
    (f) => !f.includes(`${'examples'}`) && f.endsWith('.json') && !f.includes('common-types'),
  )) {
    const swagger = JSON.parse(readFileSync(file, 'utf8')) as {
      paths?: Record<string, Record<string, Json>>;
    };
    for (const [path, ops] of Object.entries(swagger.paths ?? {})) {
      for (const [method, op] of Object.entries(ops)) {
        const examples = (op['x-ms-examples'] ?? {}) as Record<string, { $ref: string }>;
        const params = (op.parameters ?? []) as Array<{ in?: string; name?: string }>;
        const bodyParam = params.find((p) => p.in === 'body')?.name;
        for (const ex of Object.values(examples)) {
          const target = normalize(join(dirname(file), ex.$ref));
          if (!linked.has(target))
            linked.set(target, { method: method.toUpperCase(), path, bodyParam });
        }
      }
    }
  }
  const out: Example[] = [];
  for (const file of files.filter((f) => f.includes('/examples/'))) {
    const data = JSON.parse(readFileSync(file, 'utf8')) as {
      parameters: Json;
      responses: Example['responses'];
    };
    let op = linked.get(normalize(file));
    if (!op) {
      const name = file.split('/').pop()!;
      const rule = UNLINKED.find(([re]) => re.test(name));
      if (rule) op = { method: rule[1], path: rule[2], bodyParam: rule[3] };
    }
    if (!op) throw new Error(`no operation for example ${file}`);
    out.push({
      file: relative(SPEC_DIR, file),
      method: op.method,
      pathTemplate: op.path,
      bodyParam: op.bodyParam,
      parameters: data.parameters,
      responses: data.responses,
    });
  }
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

export function examplePath(ex: Example): string {
  return ex.pathTemplate.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodeURIComponent(String(ex.parameters[name])),
  );
}

export function exampleQuery(ex: Example): string {
  const q = new URLSearchParams();
  q.set('api-version', String(ex.parameters['api-version']));
  for (const [k, v] of Object.entries(ex.parameters)) if (k.startsWith('$')) q.set(k, String(v));
  for (const k of ['autoStart', 'removeOutputsOnStop'])
    if (ex.parameters[k] !== undefined) q.set(k, String(ex.parameters[k]));
  return q.toString();
}

function kind(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v;
}

/** Differences between the example's property names and types and the actual body's. */
export function shapeDiff(expected: unknown, actual: unknown, at = '$'): string[] {
  if (expected === null || expected === undefined) return [];
  const ek = kind(expected);
  const ak = kind(actual);
  // An example's number-like strings (e.g. "0") and the emulator's numbers are not told apart by ARM clients.
  if (ek !== ak) return [`${at}: expected ${ek}, got ${ak}`];
  if (ek === 'array') {
    const e = expected as unknown[];
    const a = actual as unknown[];
    if (e.length && !a.length) return [`${at}: expected a non-empty array`];
    if (!e.length) return [];
    // Resources are compared with the one of the same name when there is one.
    const name = (e[0] as { name?: unknown } | null)?.name;
    const same =
      typeof name === 'string'
        ? a.find((x) => (x as { name?: unknown } | null)?.name === name)
        : undefined;
    return shapeDiff(e[0], same ?? a[0], `${at}[0]`);
  }
  if (ek === 'object') {
    const diffs: string[] = [];
    // Free-form maps: their keys are data, not property names.
    if (/\.(tags|userAssignedIdentities)$/.test(at)) return [];
    for (const [k, v] of Object.entries(expected as Json)) {
      if (!(k in (actual as Json))) {
        if (v !== null) diffs.push(`${at}.${k}: missing`);
        continue;
      }
      diffs.push(...shapeDiff(v, (actual as Json)[k], `${at}.${k}`));
    }
    return diffs;
  }
  return [];
}

export function hasSpec(): boolean {
  return existsSync(SPEC_DIR);
}
