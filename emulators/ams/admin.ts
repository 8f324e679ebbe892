import type { AmsCore, LogEntry, Phase } from './core';
import { retirementHeader } from './core';
import type { SettableClock } from './clock';
import type { Budgets } from './throttle';
import { validateFault, type Fault } from './faults';
import { applySeed, type SeedDescription, type SeedReport } from './seed';
import { accountKey } from './state';
import { isObject } from './context';

export interface AccountInfo {
  id: string;
  retirementDate: string;
  /** What the `ams-retirement-date` header shows now. */
  retirementHeader: string;
  extensionGrantedAt?: string;
  phase: Phase;
}

/** The admin surface, in-process; the HTTP admin API (`/admin/...`) mirrors it. */
export interface AmsAdmin {
  clock: {
    now(): number;
    /** Only when the emulator owns its clock (no `clock` option given). */
    set(time: number | string | Date): void;
    advance(ms: number): void;
    setRate(rate: number): void;
  };
  requests(filter?: { operation?: string; status?: number }): LogEntry[];
  clearRequests(): void;
  counts(): Record<string, { total: number; byStatus: Record<string, number> }>;
  faults(): Fault[];
  setFaults(faults: Fault[]): void;
  addFault(fault: Fault): void;
  clearFaults(): void;
  budgets(): Budgets;
  setBudgets(budgets: Partial<Budgets>): void;
  /** Forgets all accounts, operations, logs, faults and throttle state (storage is left alone). */
  reset(): void;
  seed(description: SeedDescription): Promise<SeedReport>;
  accounts(): AccountInfo[];
  /** Process memory and how many resources of each type the emulator holds. */
  stats(): { rssMiB: number; heapUsedMiB: number; resources: Record<string, number> };
  account(subscriptionId: string, resourceGroup: string, name: string): AccountInfo | undefined;
  setRetirementDate(
    subscriptionId: string,
    resourceGroup: string,
    name: string,
    date: string | number | Date,
  ): void;
}

export function createAdmin(core: AmsCore, owned: SettableClock | undefined): AmsAdmin {
  const needOwned = () => {
    if (!owned)
      throw new Error('The emulator follows a clock it was given; move that clock instead.');
    return owned;
  };
  const info = (a: NonNullable<ReturnType<AmsCore['getAccount']>>): AccountInfo => ({
    id: core.accountId(a),
    retirementDate: new Date(a.retirementDate).toISOString(),
    retirementHeader: retirementHeader(core.visibleRetirementDate(a)),
    ...(a.extensionGrantedAt !== undefined
      ? { extensionGrantedAt: new Date(a.extensionGrantedAt).toISOString() }
      : {}),
    phase: core.phase(a),
  });
  return {
    clock: {
      now: () => core.clock.now(),
      set: (time) => needOwned().set(typeof time === 'number' ? time : new Date(time).getTime()),
      advance: (ms) => needOwned().advance(ms),
      setRate: (rate) => needOwned().setRate(rate),
    },
    requests: (filter) =>
      core.log.filter(
        (e) =>
          (!filter?.operation || e.operation.toLowerCase() === filter.operation.toLowerCase()) &&
          (filter?.status === undefined || e.status === filter.status),
      ),
    clearRequests: () => {
      core.log = [];
      core.counts.clear();
    },
    counts: () => Object.fromEntries(core.counts),
    faults: () => core.faults.current(),
    setFaults: (faults) => core.faults.set(faults.map(validateFault)),
    addFault: (fault) => core.faults.add(validateFault(fault)),
    clearFaults: () => core.faults.clear(),
    budgets: () => core.throttle.budgets,
    setBudgets: (budgets) => core.throttle.setBudgets(validateBudgets(budgets)),
    reset: () => core.reset(),
    seed: (description) => applySeed(core, description),
    accounts: () => [...core.accounts.values()].map(info),
    stats: () => {
      const resources: Record<string, number> = { accounts: core.accounts.size };
      for (const a of core.accounts.values())
        for (const [type, c] of a.collections) resources[type] = (resources[type] ?? 0) + c.size;
      const m = process.memoryUsage();
      return {
        rssMiB: Math.round(m.rss / 1048576),
        heapUsedMiB: Math.round(m.heapUsed / 1048576),
        resources,
      };
    },
    account: (s, rg, n) => {
      const a = core.getAccount(s, rg, n);
      return a ? info(a) : undefined;
    },
    setRetirementDate: (s, rg, n, date) => {
      const a = core.accounts.get(accountKey(s, rg, n));
      if (!a) throw new Error(`no account ${s}/${rg}/${n}`);
      const ms = typeof date === 'number' ? date : new Date(date).getTime();
      if (Number.isNaN(ms)) throw new Error('invalid date');
      a.retirementDate = ms;
    },
  };
}

function validateBudgets(value: unknown): Partial<Budgets> {
  if (!isObject(value)) throw new Error('budgets must be an object');
  const out: Partial<Budgets> = {};
  for (const [k, v] of Object.entries(value)) {
    if (!['subscriptionReads', 'subscriptionWrites', 'contentKeys'].includes(k))
      throw new Error(`unknown budget ${k}`);
    if (
      !isObject(v) ||
      !(Number(v.limit) > 0) ||
      !(Number(v.perMs) > 0) ||
      (v.burst !== undefined && !(Number(v.burst) >= 1))
    )
      throw new Error(`budget ${k} needs positive limit and perMs (and burst >= 1 if given)`);
    out[k as keyof Budgets] = {
      limit: Number(v.limit),
      perMs: Number(v.perMs),
      ...(v.burst !== undefined ? { burst: Number(v.burst) } : {}),
    };
  }
  return out;
}

/** The admin HTTP API under /admin/ (no authentication: loopback only). */
export async function handleAdmin(
  admin: AmsAdmin,
  method: string,
  url: URL,
  body: unknown,
): Promise<{ status: number; body?: unknown }> {
  const parts = url.pathname.split('/').filter(Boolean).slice(1).map(decodeURIComponent);
  const [what, ...rest] = parts;
  const ok = (b?: unknown) => ({ status: 200, body: b ?? { ok: true } });
  try {
    switch (`${method} ${what ?? ''}`) {
      case 'GET clock':
        return ok({ now: new Date(admin.clock.now()).toISOString(), ms: admin.clock.now() });
      case 'POST clock': {
        const b = isObject(body) ? body : {};
        if (b.rate !== undefined) admin.clock.setRate(Number(b.rate));
        if (b.now !== undefined) admin.clock.set(b.now as string | number);
        if (b.advanceMs !== undefined) admin.clock.advance(Number(b.advanceMs));
        return ok({ now: new Date(admin.clock.now()).toISOString(), ms: admin.clock.now() });
      }
      case 'GET requests': {
        const status = url.searchParams.get('status');
        return ok({
          value: admin.requests({
            operation: url.searchParams.get('operation') ?? undefined,
            status: status === null ? undefined : Number(status),
          }),
        });
      }
      case 'DELETE requests':
        admin.clearRequests();
        return ok();
      case 'GET stats':
        return ok(admin.stats());
      case 'GET counts':
        return ok(admin.counts());
      case 'GET faults':
        return ok({ value: admin.faults() });
      case 'PUT faults':
        admin.setFaults(Array.isArray(body) ? (body as Fault[]) : []);
        return ok({ value: admin.faults() });
      case 'POST faults':
        admin.addFault(body as Fault);
        return ok({ value: admin.faults() });
      case 'DELETE faults':
        admin.clearFaults();
        return ok();
      case 'GET budgets':
        return ok(admin.budgets());
      case 'PUT budgets':
        admin.setBudgets(body as Partial<Budgets>);
        return ok(admin.budgets());
      case 'POST reset':
        admin.reset();
        return ok();
      case 'POST seed':
        return ok(await admin.seed(body as SeedDescription));
      case 'GET accounts':
        return ok({ value: admin.accounts() });
      case 'PUT accounts': {
        // PUT /admin/accounts/{sub}/{rg}/{name}/retirementDate {"date": "..."}
        const [s, rg, n, field] = rest;
        if (!s || !rg || !n || field !== 'retirementDate' || !isObject(body))
          return {
            status: 400,
            body: { error: 'PUT /admin/accounts/{sub}/{rg}/{name}/retirementDate {"date"}' },
          };
        admin.setRetirementDate(s, rg, n, body.date as string);
        return ok(admin.account(s, rg, n));
      }
    }
    return { status: 404, body: { error: `no admin route ${method} ${url.pathname}` } };
  } catch (error) {
    return { status: 400, body: { error: (error as Error).message } };
  }
}
