/**
 * Faults injected per operation. `operation` is the SDK's group and method (`assets.list`,
 * `streamingLocators.listContentKeys`) or `*`; `status` answers with an ARM error of that code,
 * `drop` destroys the connection without an answer, `latencyMs` delays the (otherwise normal)
 * answer in real time. `count` limits how many requests it hits (default: all).
 */
export interface Fault {
  operation: string;
  status?: 500 | 502 | 503 | 504;
  drop?: boolean;
  latencyMs?: number;
  count?: number;
  /** Requests to let through before the fault starts. */
  skip?: number;
}

export function validateFault(value: unknown): Fault {
  if (!value || typeof value !== 'object') throw new Error('a fault must be an object');
  const f = value as Record<string, unknown>;
  if (typeof f.operation !== 'string' || !f.operation)
    throw new Error('fault.operation is required');
  if (f.status !== undefined && ![500, 502, 503, 504].includes(f.status as number))
    throw new Error('fault.status must be 500, 502, 503 or 504');
  for (const k of ['latencyMs', 'count', 'skip'] as const)
    if (f[k] !== undefined && !(typeof f[k] === 'number' && (f[k] as number) >= 0))
      throw new Error(`fault.${k} must be a non-negative number`);
  if (f.drop !== undefined && typeof f.drop !== 'boolean')
    throw new Error('fault.drop must be boolean');
  if (f.status === undefined && !f.drop && f.latencyMs === undefined)
    throw new Error('a fault needs status, drop or latencyMs');
  return {
    operation: f.operation,
    status: f.status as Fault['status'],
    drop: f.drop as boolean | undefined,
    latencyMs: f.latencyMs as number | undefined,
    count: f.count as number | undefined,
    skip: f.skip as number | undefined,
  };
}

export class Faults {
  private list: Array<Fault & { seen: number; hits: number }> = [];

  set(faults: Fault[]): void {
    this.list = faults.map((f) => ({ ...f, seen: 0, hits: 0 }));
  }

  add(fault: Fault): void {
    this.list.push({ ...fault, seen: 0, hits: 0 });
  }

  clear(): void {
    this.list = [];
  }

  current(): Fault[] {
    return this.list.map(({ seen: _s, hits: _h, ...f }) => f);
  }

  /** The fault this request meets, if any (counting it). */
  match(operation: string): Fault | undefined {
    for (const f of this.list) {
      if (f.operation !== '*' && f.operation.toLowerCase() !== operation.toLowerCase()) continue;
      f.seen++;
      if (f.skip !== undefined && f.seen <= f.skip) continue;
      if (f.count !== undefined && f.hits >= f.count) continue;
      f.hits++;
      return f;
    }
    return undefined;
  }
}
