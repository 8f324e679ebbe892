import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Request-body checks read from the vendored swagger (spec/): property types, required
 * properties, enum values and `@odata.type` discriminators, so an invalid body gets the 400 AMS
 * gave. Read-only properties are skipped (clients echo them back) and unknown ones are allowed.
 * Operations whose swagger is lost (streaming policies and locators) keep their hand-written checks.
 */
type Schema = Record<string, unknown>;

const SPEC_DIR =
  [join(__dirname, 'spec'), join(__dirname, '..', '..', '..', 'emulators', 'ams', 'spec')].find(
    (d) => existsSync(join(d, 'README.md')),
  ) ?? join(__dirname, 'spec');

interface Op {
  method: string;
  pattern: RegExp;
  file: string;
  body?: Schema;
  apiVersion: string;
}

const files = new Map<string, Schema>();
let ops: Op[] | undefined;

function load(file: string): Schema {
  let doc = files.get(file);
  if (!doc) {
    doc = JSON.parse(readFileSync(file, 'utf8')) as Schema;
    files.set(file, doc);
  }
  return doc;
}

function operations(): Op[] {
  if (ops) return ops;
  ops = [];
  for (const group of readdirSync(SPEC_DIR, { withFileTypes: true })) {
    if (!group.isDirectory() || group.name === 'common-types') continue;
    for (const version of readdirSync(join(SPEC_DIR, group.name))) {
      const dir = join(SPEC_DIR, group.name, version);
      if (!existsSync(dir) || !/^\d{4}-\d{2}-\d{2}$/.test(version)) continue;
      for (const name of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
        const file = join(dir, name);
        const doc = load(file);
        for (const [path, methods] of Object.entries(
          (doc.paths ?? {}) as Record<string, Record<string, Schema>>,
        )) {
          const pattern = new RegExp(
            `^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\\?\{[^}]+\\?\}/g, '[^/]+')}$`,
            'i',
          );
          for (const [method, op] of Object.entries(methods)) {
            const params = (op.parameters ?? []) as Schema[];
            const body = params.find((p) => p.in === 'body');
            ops.push({
              method: method.toUpperCase(),
              pattern,
              file,
              body: body?.schema as Schema | undefined,
              apiVersion: version,
            });
          }
        }
      }
    }
  }
  return ops;
}

function resolve(schema: Schema, file: string): [Schema, string] {
  let s = schema;
  let f = file;
  for (let i = 0; i < 20 && typeof s.$ref === 'string'; i++) {
    const [target, pointer = ''] = (s.$ref as string).split('#');
    if (target) {
      const at = target.indexOf('common-types/');
      f = at >= 0 ? join(SPEC_DIR, target.slice(at)) : join(f, '..', target);
    }
    let node: unknown = load(f);
    for (const part of pointer.split('/').filter(Boolean)) node = (node as Schema)[part];
    s = node as Schema;
  }
  return [s, f];
}

/** Properties and required names of a schema and everything it extends (allOf). */
function flatten(
  schema: Schema,
  file: string,
  depth = 0,
): { properties: Map<string, [Schema, string]>; required: Set<string>; discriminator?: string } {
  const properties = new Map<string, [Schema, string]>();
  const required = new Set<string>();
  let discriminator = schema.discriminator as string | undefined;
  for (const parent of (schema.allOf ?? []) as Schema[]) {
    if (depth > 10) break;
    const [p, pf] = resolve(parent, file);
    const flat = flatten(p, pf, depth + 1);
    flat.properties.forEach((v, k) => properties.set(k, v));
    flat.required.forEach((r) => required.add(r));
    discriminator ??= flat.discriminator;
  }
  for (const [k, v] of Object.entries((schema.properties ?? {}) as Record<string, Schema>))
    properties.set(k, [v, file]);
  for (const r of (schema.required ?? []) as string[]) required.add(r);
  return { properties, required, discriminator };
}

/** The definition whose x-ms-discriminator-value is `value` and that extends `base`. */
function subtype(base: Schema, value: string, file: string): [Schema, string] | undefined {
  const defs = (load(file).definitions ?? {}) as Record<string, Schema>;
  const extendsBase = (s: Schema, f: string, depth = 0): boolean =>
    depth < 10 &&
    ((s.allOf ?? []) as Schema[]).some((p) => {
      const [ps, pf] = resolve(p, f);
      return ps === base || extendsBase(ps, pf, depth + 1);
    });
  for (const def of Object.values(defs)) {
    if (def['x-ms-discriminator-value'] === value && extendsBase(def, file)) return [def, file];
  }
  return undefined;
}

function check(
  value: unknown,
  schemaIn: Schema,
  fileIn: string,
  at: string,
  problems: string[],
  depth = 0,
  partial = false,
): void {
  if (depth > 40 || problems.length > 5 || value === null || value === undefined) return;
  const [schema, file] = resolve(schemaIn, fileIn);
  let target = schema;
  let targetFile = file;
  let flat = flatten(schema, file);
  if (flat.discriminator && value && typeof value === 'object' && !Array.isArray(value)) {
    const kind = (value as Schema)[flat.discriminator];
    if (typeof kind !== 'string') {
      if (!schema['x-ms-discriminator-value'])
        problems.push(`${at}: ${flat.discriminator} is required`);
    } else if (kind !== schema['x-ms-discriminator-value']) {
      const sub = subtype(schema, kind, file);
      if (!sub) {
        problems.push(`${at}: unknown ${flat.discriminator} '${kind}'`);
        return;
      }
      [target, targetFile] = sub;
      flat = flatten(target, targetFile);
    }
  }
  const type = target.type as string | undefined;
  const isObject = typeof value === 'object' && !Array.isArray(value);
  if ((type === 'object' || (!type && flat.properties.size > 0)) && !isObject) {
    problems.push(`${at}: expected an object`);
    return;
  }
  if (type === 'array') {
    if (!Array.isArray(value)) return void problems.push(`${at}: expected an array`);
    if (target.items)
      value.forEach((v, i) =>
        check(v, target.items as Schema, targetFile, `${at}[${i}]`, problems, depth + 1, partial),
      );
    return;
  }
  if (type === 'string') {
    if (typeof value !== 'string') return void problems.push(`${at}: expected a string`);
    const values = target.enum as string[] | undefined;
    if (values && !values.some((e) => e.toLowerCase() === value.toLowerCase()))
      problems.push(`${at}: '${value}' is not one of ${values.join(', ')}`);
    if (
      target.format === 'date-time' &&
      Number.isNaN(Date.parse(value.replace(/(\.\d{3})\d+/, '$1')))
    )
      problems.push(`${at}: '${value}' is not a date-time`);
    return;
  }
  if (type === 'integer' && !Number.isInteger(value))
    return void problems.push(`${at}: expected an integer`);
  if (type === 'number' && typeof value !== 'number')
    return void problems.push(`${at}: expected a number`);
  if (type === 'boolean' && typeof value !== 'boolean')
    return void problems.push(`${at}: expected a boolean`);
  if (!isObject) return;
  const obj = value as Schema;
  // A PATCH is a partial update: nothing is required.
  for (const r of partial ? [] : flat.required) {
    const [ps]: [Schema] = (flat.properties.get(r) as [Schema] | undefined) ?? [{}];
    const readOnly = resolve(ps, targetFile)[0].readOnly || ps.readOnly;
    if (!readOnly && obj[r] === undefined) problems.push(`${at}.${r} is required`);
  }
  for (const [k, v] of Object.entries(obj)) {
    const entry = flat.properties.get(k);
    if (!entry) {
      if (target.additionalProperties && typeof target.additionalProperties === 'object')
        check(
          v,
          target.additionalProperties as Schema,
          targetFile,
          `${at}.${k}`,
          problems,
          depth + 1,
        );
      continue;
    }
    const [ps, pf] = entry;
    if (ps.readOnly) continue;
    check(v, ps, pf, `${at}.${k}`, problems, depth + 1, partial);
  }
}

/** Problems with a request body, per the swagger of the operation it is for (none if unknown). */
export function bodyProblems(
  method: string,
  path: string,
  apiVersion: string,
  body: unknown,
): string[] {
  const matching = operations().filter((o) => o.method === method && o.pattern.test(path));
  const op = matching.find((o) => o.apiVersion === apiVersion) ?? matching[0];
  if (!op?.body) return [];
  const problems: string[] = [];
  check(body ?? {}, op.body, op.file, '$', problems, 0, method === 'PATCH');
  return problems;
}
