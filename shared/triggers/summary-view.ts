import { redactSecrets } from '../telemetry/redact';

/**
 * Reads what the account orchestration publishes about itself (its custom status while running,
 * its output when done: a `MigrationSummary`) defensively: it crossed a JSON boundary and may come
 * from an older version of the orchestration, so every field is checked before it is shown, and
 * every piece of free text is redacted again on the way out.
 */

export interface Tally {
  total?: number;
  done?: number;
  failed?: number;
  skipped?: number;
}

export interface FailureView {
  at?: string;
  stage?: string;
  where?: string;
  error: string;
}

export interface SummaryView {
  phase?: string;
  outcome?: string;
  nextWakeUpAt?: string;
  deadlines: {
    retirementDate?: string;
    readOnlyAt?: string;
    deletionAt?: string;
    extensionCutoffAt?: string;
  };
  extension?: { requested?: boolean; granted?: boolean; requestedAt?: string };
  counts: Record<string, Tally>;
  resources?: Record<string, number>;
  failures: FailureView[];
  failureCount: number;
  timeline: Array<{ at?: string; what: string }>;
  reportPaths?: { json?: string; html?: string };
  urlMapPaths?: { json?: string; csv?: string; urls?: number };
}

type Json = Record<string, unknown>;

const isRecord = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? v : undefined;
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined);
const text = (v: unknown, max = 500): string | undefined => {
  const s = str(v);
  return s === undefined ? undefined : redactSecrets(s).slice(0, max);
};

function tally(value: unknown): Tally | undefined {
  if (!isRecord(value)) return undefined;
  const t: Tally = {
    total: num(value.total),
    done: num(value.done),
    failed: num(value.failed),
    skipped: num(value.skipped),
  };
  return Object.values(t).some((v) => v !== undefined) ? t : undefined;
}

const MAX_FAILURES = 20;
const MAX_TIMELINE = 20;

export function readSummary(source: unknown): SummaryView {
  const s = isRecord(source) ? source : {};
  const plan = isRecord(s.plan) ? s.plan : {};
  const account = isRecord(s.account) ? s.account : {};
  const extension = isRecord(s.extension) ? s.extension : undefined;
  const tallies = isRecord(s.tallies) ? s.tallies : {};

  const counts: Record<string, Tally> = {};
  for (const stage of ['keys', 'secrets', 'paths']) {
    const t = tally(tallies[stage]);
    if (t) counts[stage] = t;
  }
  if (isRecord(tallies.targets)) {
    for (const [target, value] of Object.entries(tallies.targets)) {
      const t = tally(value);
      if (t) counts[`target:${target}`] = t;
    }
  }

  const resources = isRecord(account.counts)
    ? Object.fromEntries(
        Object.entries(account.counts).filter(
          (e): e is [string, number] => num(e[1]) !== undefined,
        ),
      )
    : undefined;

  const failures = (Array.isArray(s.failures) ? s.failures : [])
    .filter(isRecord)
    .slice(-MAX_FAILURES)
    .map((f) => ({
      at: str(f.at),
      stage: text(f.stage, 40),
      where: text(f.where, 200),
      error: text(f.error) ?? 'unknown error',
    }));

  const timeline = (Array.isArray(s.timeline) ? s.timeline : [])
    .filter(isRecord)
    .slice(-MAX_TIMELINE)
    .map((e) => ({ at: str(e.at), what: text(e.what) ?? '' }));

  const report = isRecord(s.report) ? s.report : undefined;
  const urlMap = isRecord(s.urlMap) ? s.urlMap : undefined;

  return {
    phase: text(s.phase, 40),
    outcome: text(s.outcome, 40),
    nextWakeUpAt: str(s.nextWakeUpAt),
    deadlines: {
      retirementDate: str(account.retirementDate),
      readOnlyAt: str(plan.readOnlyAt),
      deletionAt: str(plan.deletionAt),
      extensionCutoffAt: str(plan.extensionCutoffAt),
    },
    extension: extension
      ? {
          requested: bool(extension.requested),
          granted: bool(extension.granted),
          requestedAt: str(extension.requestedAt),
        }
      : undefined,
    counts,
    resources,
    failures,
    failureCount: num(s.failureCount) ?? failures.length,
    timeline,
    reportPaths: report ? { json: str(report.jsonPath), html: str(report.htmlPath) } : undefined,
    urlMapPaths: urlMap
      ? { json: str(urlMap.jsonPath), csv: str(urlMap.csvPath), urls: num(urlMap.urls) }
      : undefined,
  };
}

/** The orchestration's own view: its output once it has finished, else its custom status. */
export function summarySource(status: { output?: unknown; customStatus?: unknown }): unknown {
  return isRecord(status.output) ? status.output : status.customStatus;
}
