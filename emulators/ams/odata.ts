import { badRequest } from './errors';
import type { Collection, Res } from './state';

/** Reads a field a filter or ordering names (`name`, `properties/created`, ...) from a resource. */
export type FieldReader = (res: Res, field: string) => unknown;

type Value = string | number | boolean | null;
type Node =
  | { kind: 'cmp'; field: string; op: string; value: Value }
  | { kind: 'bool'; op: 'and' | 'or'; left: Node; right: Node }
  | { kind: 'not'; inner: Node };

const OPS = new Set(['eq', 'ne', 'gt', 'ge', 'lt', 'le']);
const DATE = /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/;

function tokenize(text: string): string[] {
  const tokens: string[] = [];
  const re = /\s*('(?:[^']|'')*'|\(|\)|[^\s()]+)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) && m[1] !== undefined) tokens.push(m[1]);
  if (re.lastIndex < text.trimEnd().length && tokens.join('').length === 0)
    throw badRequest(`Invalid $filter: ${text}`);
  return tokens;
}

function literal(token: string): Value {
  if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
  // An enum literal such as Microsoft.Media.JobState'Finished'.
  const enumLiteral = /^[A-Za-z][\w.]*'((?:[^']|'')*)'$/.exec(token);
  if (enumLiteral) return enumLiteral[1]!.replace(/''/g, "'");
  if (token === 'null') return null;
  if (token === 'true' || token === 'false') return token === 'true';
  if (DATE.test(token)) {
    const ms = Date.parse(token);
    if (!Number.isNaN(ms)) return ms;
  }
  if (/^-?\d+(\.\d+)?$/.test(token)) return Number(token);
  // GUIDs and enum words are compared as text.
  return token;
}

/** Parses the subset of OData $filter AMS documents: comparisons joined by and/or, parentheses. */
export function parseFilter(text: string, allowedFields: (field: string) => boolean): Node {
  const tokens = tokenize(text);
  let i = 0;
  const fail = (why: string) => badRequest(`Invalid $filter '${text}': ${why}`, '$filter');
  const primary = (): Node => {
    const t = tokens[i];
    if (t === undefined) throw fail('unexpected end');
    if (t === '(') {
      i++;
      const inner = orExpr();
      if (tokens[i++] !== ')') throw fail('missing )');
      return inner;
    }
    if (t.toLowerCase() === 'not') {
      i++;
      return { kind: 'not', inner: primary() };
    }
    const field = t;
    const op = tokens[i + 1]?.toLowerCase();
    const value = tokens[i + 2];
    if (!op || !OPS.has(op) || value === undefined)
      throw fail(`expected "<field> <op> <value>" at "${t}"`);
    if (!allowedFields(field)) throw fail(`filtering on ${field} is not supported`);
    i += 3;
    return { kind: 'cmp', field, op, value: literal(value) };
  };
  const andExpr = (): Node => {
    let left = primary();
    while (tokens[i]?.toLowerCase() === 'and') {
      i++;
      left = { kind: 'bool', op: 'and', left, right: primary() };
    }
    return left;
  };
  const orExpr = (): Node => {
    let left = andExpr();
    while (tokens[i]?.toLowerCase() === 'or') {
      i++;
      left = { kind: 'bool', op: 'or', left, right: andExpr() };
    }
    return left;
  };
  const node = orExpr();
  if (i !== tokens.length) throw fail(`unexpected "${tokens[i]}"`);
  return node;
}

function compare(actual: unknown, op: string, expected: Value): boolean {
  let a: unknown = actual;
  let e: Value = expected;
  if (typeof e === 'number' && typeof a === 'string') {
    const parsed = Date.parse(a);
    a = Number.isNaN(parsed) ? Number(a) : parsed;
  }
  if (typeof e === 'string' && typeof a === 'number') e = Number(e);
  if (typeof a === 'string' && typeof e === 'string' && op !== 'eq' && op !== 'ne') {
    // Names compare case-insensitively, as the service orders them.
    a = a.toLowerCase();
    e = e.toLowerCase();
  }
  if (typeof a === 'string' && typeof e === 'string' && (op === 'eq' || op === 'ne')) {
    const same = a.toLowerCase() === e.toLowerCase();
    return op === 'eq' ? same : !same;
  }
  if (a === undefined) a = null;
  switch (op) {
    case 'eq':
      return a === e;
    case 'ne':
      return a !== e;
    case 'gt':
      return a !== null && e !== null && (a as number) > (e as number);
    case 'ge':
      return a !== null && e !== null && (a as number) >= (e as number);
    case 'lt':
      return a !== null && e !== null && (a as number) < (e as number);
    case 'le':
      return a !== null && e !== null && (a as number) <= (e as number);
  }
  return false;
}

export function matches(node: Node, res: Res, read: FieldReader): boolean {
  switch (node.kind) {
    case 'cmp':
      return compare(read(res, node.field), node.op, node.value);
    case 'not':
      return !matches(node.inner, res, read);
    case 'bool':
      return node.op === 'and'
        ? matches(node.left, res, read) && matches(node.right, res, read)
        : matches(node.left, res, read) || matches(node.right, res, read);
  }
}

export interface ListQuery {
  filter?: string;
  orderby?: string;
  top?: number;
  skiptoken?: string;
}

export interface ListRules {
  pageSize: number;
  read: FieldReader;
  filterable: (field: string) => boolean;
  orderable: (field: string) => boolean;
}

export interface Page {
  items: Res[];
  /** The $skiptoken of the next page, if there is one. */
  next?: string;
  /** What is left of $top for the next page. */
  nextTop?: number;
}

/**
 * One page of a collection, in the service's way: a fixed page size, keyset `$skiptoken` (the last
 * name) for the default name order, an offset token for other orders, `$top` limiting the total.
 */
export function listPage(collection: Collection, query: ListQuery, rules: ListRules): Page {
  const filter = query.filter ? parseFilter(query.filter, rules.filterable) : undefined;
  let order: Res[];
  let byName = true;
  if (query.orderby) {
    const [field = '', dir = 'asc', extra] = query.orderby.trim().split(/\s+/);
    const desc = dir.toLowerCase() === 'desc';
    if (
      extra !== undefined ||
      !['asc', 'desc'].includes(dir.toLowerCase()) ||
      !rules.orderable(field)
    )
      throw badRequest(`Invalid $orderby '${query.orderby}'`, '$orderby');
    if (field.toLowerCase() !== 'name' || desc) {
      byName = false;
      order = collection.ordered(`${field}|${desc}`, () => {
        const list = [...collection.byName()];
        const key = (r: Res) => {
          const v = rules.read(r, field);
          return typeof v === 'string' &&
            field.toLowerCase() !== 'name' &&
            !Number.isNaN(Date.parse(v))
            ? Date.parse(v)
            : v;
        };
        list.sort((a, b) => {
          const x = key(a) as number | string;
          const y = key(b) as number | string;
          const c = x === y ? 0 : x === undefined ? -1 : y === undefined ? 1 : x < y ? -1 : 1;
          return desc ? -c : c;
        });
        return list;
      });
    } else order = collection.byName();
  } else order = collection.byName();

  let start = 0;
  if (query.skiptoken) {
    if (byName) {
      const after = query.skiptoken.toLowerCase();
      let lo = 0;
      let hi = order.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (order[mid]!.name.toLowerCase() <= after) lo = mid + 1;
        else hi = mid;
      }
      start = lo;
    } else {
      const offset = /^o(\d+)$/.exec(query.skiptoken);
      if (!offset) throw badRequest('Invalid $skiptoken', '$skiptoken');
      start = Number(offset[1]);
    }
  }
  if (query.top !== undefined && (!Number.isInteger(query.top) || query.top < 0))
    throw badRequest('Invalid $top', '$top');
  const want = Math.min(rules.pageSize, query.top ?? Infinity);
  const items: Res[] = [];
  let i = start;
  for (; i < order.length && items.length < want; i++) {
    const r = order[i]!;
    if (!filter || matches(filter, r, rules.read)) items.push(r);
  }
  // Is anything left that the filter would keep?
  let more = false;
  if (items.length === want && (query.top === undefined || query.top > want)) {
    for (let j = i; j < order.length; j++) {
      if (!filter || matches(filter, order[j]!, rules.read)) {
        more = true;
        break;
      }
    }
  }
  if (!more) return { items };
  const last = items[items.length - 1]!;
  return {
    items,
    next: byName ? last.name : `o${i}`,
    nextTop: query.top === undefined ? undefined : query.top - items.length,
  };
}
