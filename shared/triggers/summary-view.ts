import { redactSecrets } from '../telemetry/redact';

/**
 * Reads what the account orchestration publishes about itself defensively: its custom status while
 * it runs (`MigrationStatus`: `deadlines`, `progress`, `lastFailures`, artifact paths as strings)
 * and its output once done (`MigrationSummary`: `plan`, `account`, `tallies`, `failures`, artifact
 * refs as objects). It crossed a JSON boundary and may come from an older version of the
 * orchestration, so every field is checked before it is shown, and every piece of free text is
 * redacted again on the way out.
 */

export interface Tally {
  total?: number;
  done?: number;
  failed?: number;
  skipped?: number;
}

export type ArtifactFormat = 'json' | 'html' | 'csv';
export type ArtifactPaths = Partial<Record<ArtifactFormat, string>> & { urls?: number };

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
  extension?: { requested?: boolean; granted?: boolean; requestedAt?: string; decision?: string };
  approval?: string;
  counts: Record<string, Tally>;
  resources?: Record<string, number>;
  failures: FailureView[];
  failureCount: number;
  timeline: Array<{ at?: string; what: string }>;
  reportPaths?: ArtifactPaths;
  urlMapPaths?: ArtifactPaths;
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
  const deadlines = isRecord(s.deadlines) ? s.deadlines : {};
  const extension = isRecord(s.extension) ? s.extension : undefined;
  // The summary's `tallies` or the custom status's `progress`: the same counts by stage.
  const tallies = isRecord(s.tallies) ? s.tallies : isRecord(s.progress) ? s.progress : {};

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

  const resourceCounts = isRecord(account.counts)
    ? account.counts
    : isRecord(s.counts)
      ? s.counts
      : undefined;
  const resources = resourceCounts
    ? Object.fromEntries(
        Object.entries(resourceCounts).filter(
          (e): e is [string, number] => num(e[1]) !== undefined,
        ),
      )
    : undefined;

  const failures: FailureView[] = Array.isArray(s.failures)
    ? s.failures
        .filter(isRecord)
        .slice(-MAX_FAILURES)
        .map((f) => ({
          at: str(f.at),
          stage: text(f.stage, 40),
          where: text(f.where, 200),
          error: text(f.error) ?? 'unknown error',
        }))
    : (Array.isArray(s.lastFailures) ? s.lastFailures : [])
        .map((line) => text(line))
        .filter((line): line is string => line !== undefined)
        .slice(-MAX_FAILURES)
        .map((error) => ({ error }));

  const timeline = (Array.isArray(s.timeline) ? s.timeline : [])
    .filter(isRecord)
    .slice(-MAX_TIMELINE)
    .map((e) => ({ at: str(e.at), what: text(e.what ?? e.text) ?? '' }));

  return {
    phase: text(s.phase, 40),
    outcome: text(s.outcome, 40),
    nextWakeUpAt: str(s.nextWakeUpAt),
    deadlines: {
      retirementDate: str(deadlines.retirementDate) ?? str(account.retirementDate),
      readOnlyAt: str(deadlines.readOnlyAt) ?? str(plan.readOnlyAt),
      deletionAt: str(deadlines.deletionAt) ?? str(plan.deletionAt),
      extensionCutoffAt: str(deadlines.extensionCutoffAt) ?? str(plan.extensionCutoffAt),
    },
    extension: extension
      ? {
          requested: bool(extension.requested),
          granted: bool(extension.granted),
          requestedAt: str(extension.requestedAt),
          decision: text(extension.decision, 300),
        }
      : undefined,
    approval: text(s.approval, 40),
    counts,
    resources,
    failures,
    failureCount: num(s.failureCount) ?? failures.length,
    timeline,
    reportPaths: artifactPaths(s.report, { json: 'jsonPath', html: 'htmlPath' }),
    urlMapPaths: artifactPaths(
      s.urlMap,
      { json: 'jsonPath', csv: 'csvPath' },
      num(isRecord(s.urlMap) ? (s.urlMap.urls ?? s.urlMap.rows) : undefined),
    ),
  };
}

/**
 * Artifact paths from a ref object (`{jsonPath, htmlPath}`) or from the one path the custom status
 * carries: its siblings share the folder (`report.html` beside `report.json`, `urlmap.csv` beside
 * `urlmap.json`).
 */
function artifactPaths(
  value: unknown,
  fields: Partial<Record<ArtifactFormat, string>>,
  urls?: number,
): ArtifactPaths | undefined {
  const out: ArtifactPaths = {};
  const formats = Object.keys(fields) as ArtifactFormat[];
  if (isRecord(value)) {
    for (const format of formats) {
      const path = str(value[fields[format] ?? '']);
      if (path) out[format] = path;
    }
  } else if (typeof value === 'string' && value) {
    const slash = value.lastIndexOf('/');
    const folder = value.slice(0, slash + 1);
    const base = value.slice(slash + 1).replace(/\.[^.]+$/, '');
    for (const format of formats) out[format] = `${folder}${base}.${format}`;
  } else return undefined;
  if (urls !== undefined) out.urls = urls;
  return out;
}

/** The orchestration's own view: its output once it has finished, else its custom status. */
export function summarySource(status: { output?: unknown; customStatus?: unknown }): unknown {
  return isRecord(status.output) ? status.output : status.customStatus;
}
