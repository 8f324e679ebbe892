import { outputStamp } from '../pipeline/output-stamp';
import { canonicalAccountId, parseAccountId } from '../account-id';
import { EVENT_KIND } from '../discovery/events';
import { EXTENSION_KEY } from '../discovery/extension';
import { LedgerKinds } from '../export/export-keys';
import type { StatusCounts } from '../ledger/ledger';
import type { ReportRef, WriteReportInput } from '../pipeline/contracts';
import type { PipelineDependencies } from '../pipeline/dependencies';
import { READ_ONLY_PERIOD_MS } from '../planner/planner';
import { redactSecrets } from '../telemetry/redact';
import { ASSET_KIND } from '../urlmap/build-urlmap';
import { renderHtml } from './html';

export interface ReportItem {
  kind: string;
  name: string;
  target?: string;
  status: string;
  reason?: string;
}

/** The account report: what was secured, what is missing and why, deadlines, and the timeline. */
export interface AccountReport {
  accountId: string;
  generatedAt: string;
  account: Record<string, string | number | boolean | undefined>;
  deadlines: {
    retirementDate?: string;
    readOnlyAt?: string;
    deletionAt?: string;
    extensionCutoffAt?: string;
  };
  extension: { status: string; answer?: string; confirmed?: boolean };
  plan?: WriteReportInput['plan'];
  snapshot?: WriteReportInput['snapshot'];
  secured: Record<string, StatusCounts & { derived?: number }>;
  migration: Record<string, StatusCounts>;
  urlMap?: WriteReportInput['urlMap'];
  /** Failed or pending items with their reason (first 500). */
  missing: ReportItem[];
  missingTotal: number;
  timeline: Array<{ at: string; text: string }>;
  /** The orchestration's own account (phase, outcome, tallies, failures), when it sent one. */
  orchestration?: {
    instanceId: string;
    phase: string;
    outcome?: string;
    startedAt: string;
    updatedAt: string;
    tallies: NonNullable<WriteReportInput['summary']>['tallies'];
    failures: NonNullable<WriteReportInput['summary']>['failures'];
    failureCount: number;
    pathsDerived: boolean;
    nextWakeUpAt?: string;
  };
}

const MAX_ITEMS = 500;

export function reportPaths(accountId: string, at: number): ReportRef {
  const ref = parseAccountId(accountId);
  const stamp = outputStamp(at);
  const base =
    `reports/${ref.subscriptionId}/${ref.resourceGroup}/${ref.accountName}/${stamp}`.toLowerCase();
  return { jsonPath: `${base}/report.json`, htmlPath: `${base}/report.html` };
}

export async function buildReport(
  deps: PipelineDependencies,
  input: WriteReportInput,
): Promise<AccountReport> {
  const accountId = canonicalAccountId(input.accountId);
  const ledger = deps.ledger;
  const account = (await ledger.getAccount(accountId)) ?? {};
  const retirementDate =
    typeof account.retirementDate === 'string' ? account.retirementDate : undefined;
  const readOnlyAt = input.plan?.readOnlyAt ?? retirementDate;
  const deletionAt =
    input.plan?.deletionAt ??
    (readOnlyAt ? new Date(Date.parse(readOnlyAt) + READ_ONLY_PERIOD_MS).toISOString() : undefined);

  const secured: AccountReport['secured'] = {};
  const missing: ReportItem[] = [];
  let missingTotal = 0;
  for (const kind of [
    LedgerKinds.contentKeys,
    LedgerKinds.policySecrets,
    LedgerKinds.storageEncryption,
    LedgerKinds.paths,
  ]) {
    const counts: StatusCounts & { derived?: number } = {
      pending: 0,
      running: 0,
      done: 0,
      failed: 0,
      skipped: 0,
    };
    let derived = 0;
    for await (const item of ledger.list(accountId, kind)) {
      counts[item.status] += 1;
      if (item.status === 'done' && item.details?.derived === true) derived += 1;
      if (item.status === 'failed' || item.status === 'pending' || item.status === 'running') {
        missingTotal += 1;
        if (missing.length < MAX_ITEMS)
          missing.push({
            kind,
            name: item.name,
            status: item.status,
            reason: item.lastError ?? 'not attempted yet',
          });
      }
    }
    if (kind === LedgerKinds.paths) counts.derived = derived;
    secured[kind] = counts;
  }
  if (input.snapshot) {
    const expectedKeys = Number(input.snapshot.counts.encryptedLocators ?? 0);
    const keys = secured[LedgerKinds.contentKeys];
    const notAttempted = Math.max(
      0,
      expectedKeys - (keys ? keys.done + keys.failed + keys.skipped + keys.running : 0),
    );
    if (notAttempted > 0) {
      missingTotal += notAttempted;
      missing.push({
        kind: LedgerKinds.contentKeys,
        name: `${notAttempted} encrypted locator(s)`,
        status: 'missing',
        reason: input.snapshot.readOnly
          ? 'the account was read-only: listContentKeys is a POST and was refused'
          : 'not exported (yet)',
      });
    }
    for (const u of input.snapshot.unreadable)
      missing.push({ kind: 'snapshot', name: u.type, status: 'unreadable', reason: u.reason });
  }

  const migration: Record<string, StatusCounts> = {};
  for (const target of String(account.targets ?? '')
    .split(',')
    .filter(Boolean))
    migration[target] = await ledger.counts(accountId, ASSET_KIND, target);

  const extension = await ledger.get(accountId, EXTENSION_KEY);
  const timeline: AccountReport['timeline'] = [];
  for await (const e of ledger.list(accountId, EVENT_KIND)) {
    timeline.push({
      at: String(e.details?.at ?? e.name.split('#')[0]),
      text: String(e.details?.text ?? ''),
    });
  }
  // The orchestration's timeline and the ledger's events, each line once.
  const seen = new Set(timeline.map((e) => `${e.at}|${e.text}`));
  for (const e of input.summary?.timeline ?? []) {
    const line = { at: e.at, text: e.what };
    if (!seen.has(`${line.at}|${line.text}`)) timeline.push(line);
  }
  timeline.sort((a, b) => a.at.localeCompare(b.at));
  const s = input.summary;

  return {
    accountId,
    generatedAt: new Date(deps.clock.now()).toISOString(),
    account,
    deadlines: {
      retirementDate,
      readOnlyAt,
      deletionAt,
      extensionCutoffAt: input.plan?.extensionCutoffAt,
    },
    extension: extension
      ? {
          status:
            extension.status === 'done'
              ? 'accepted'
              : extension.status === 'failed'
                ? 'refused'
                : extension.status,
          answer: (extension.details?.answer as string | undefined) ?? extension.lastError,
          confirmed: extension.details?.confirmed === true,
        }
      : { status: 'not requested' },
    plan: input.plan,
    snapshot: input.snapshot,
    secured,
    migration,
    urlMap: input.urlMap,
    missing,
    missingTotal,
    timeline,
    orchestration: s && {
      instanceId: s.instanceId,
      phase: s.phase,
      outcome: s.outcome,
      startedAt: s.startedAt,
      updatedAt: s.updatedAt,
      tallies: s.tallies,
      failures: s.failures,
      failureCount: s.failureCount,
      pathsDerived: s.pathsDerived,
      nextWakeUpAt: s.nextWakeUpAt,
    },
  };
}

/** Writes the report as JSON and HTML next to each other; every text passes the redactor. */
export async function writeReport(
  deps: PipelineDependencies,
  input: WriteReportInput,
): Promise<ReportRef> {
  await deps.ready();
  const report = await buildReport(deps, input);
  const paths = reportPaths(report.accountId, deps.clock.now());
  const json = redactSecrets(JSON.stringify(report, null, 2));
  const html = redactSecrets(renderHtml(report));
  await deps.output.getBlockBlobClient(paths.jsonPath).upload(json, Buffer.byteLength(json), {
    blobHTTPHeaders: { blobContentType: 'application/json' },
  });
  await deps.output.getBlockBlobClient(paths.htmlPath).upload(html, Buffer.byteLength(html), {
    blobHTTPHeaders: { blobContentType: 'text/html; charset=utf-8' },
  });
  return paths;
}
