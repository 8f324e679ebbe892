import type { AccountReport } from './report';

const escape = (value: unknown) =>
  String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');

function table(headers: string[], rows: unknown[][]): string {
  if (!rows.length) return '<p class="none">none</p>';
  return `<table><thead><tr>${headers.map((h) => `<th>${escape(h)}</th>`).join('')}</tr></thead><tbody>${rows
    .map((r) => `<tr>${r.map((c) => `<td>${escape(c)}</td>`).join('')}</tr>`)
    .join('')}</tbody></table>`;
}

/** A self-contained, readable HTML page of the report (no scripts, no external resources). */
export function renderHtml(r: AccountReport): string {
  const secured = Object.entries(r.secured).map(([kind, c]) => [
    kind,
    c.done,
    c.derived ?? '',
    c.failed,
    c.pending + c.running,
    c.skipped,
  ]);
  const migration = Object.entries(r.migration).map(([t, c]) => [
    t,
    c.done,
    c.failed,
    c.pending + c.running,
    c.skipped,
  ]);
  const status =
    r.missingTotal === 0
      ? 'Everything that could be secured is secured.'
      : `${r.missingTotal} item(s) missing: see below.`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>AMS Lifeboat report: ${escape(r.accountId)}</title>
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:70rem;color:#222}
table{border-collapse:collapse;margin:.5rem 0 1.5rem}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;font-size:.9rem}
th{background:#f3f3f3}.none{color:#777}.ok{color:#176317}.warn{color:#a33}
</style></head><body>
<h1>AMS Lifeboat report</h1>
<p><strong>${escape(r.accountId)}</strong><br>generated ${escape(r.generatedAt)}</p>
<p class="${r.missingTotal ? 'warn' : 'ok'}">${escape(status)}</p>
<h2>Deadlines</h2>
${table(['retirement date', 'read-only from', 'deleted from', 'extension cut-off'], [[r.deadlines.retirementDate, r.deadlines.readOnlyAt, r.deadlines.deletionAt, r.deadlines.extensionCutoffAt]])}
<h2>Extension</h2>
${table(['status', 'confirmed', 'service answer'], [[r.extension.status, r.extension.confirmed ? 'yes' : 'no', r.extension.answer]])}
${r.plan ? `<h2>Plan</h2>${table(['export time (h)', 'request extension', 'reason'], [[(r.plan.exportDurationMs / 3_600_000).toFixed(1), r.plan.requestExtension ? 'yes' : 'no', r.plan.reason]])}` : ''}
${r.snapshot ? `<h2>Snapshot</h2><p>${escape(r.snapshot.path)} taken ${escape(r.snapshot.takenAt)}${r.snapshot.readOnly ? ' (read-only account: GETs only)' : ''}</p>${table(['resource', 'count'], Object.entries(r.snapshot.counts))}` : ''}
<h2>Secured</h2>
${table(['what', 'done', 'derived', 'failed', 'pending', 'skipped'], secured)}
${migration.length ? `<h2>Migration</h2>${table(['target', 'done', 'failed', 'pending', 'skipped'], migration)}` : ''}
${r.urlMap ? `<h2>URL map</h2>${table(['JSON', 'CSV', 'old URLs', 'mapped', 'derived', 'locators without paths'], [[r.urlMap.jsonPath, r.urlMap.csvPath, r.urlMap.rows, r.urlMap.mapped, r.urlMap.derived, r.urlMap.missing]])}` : ''}
${
  r.orchestration
    ? `<h2>Orchestration</h2>${table(
        ['instance', 'phase', 'outcome', 'started', 'updated', 'next wake-up'],
        [
          [
            r.orchestration.instanceId,
            r.orchestration.phase,
            r.orchestration.outcome,
            r.orchestration.startedAt,
            r.orchestration.updatedAt,
            r.orchestration.nextWakeUpAt,
          ],
        ],
      )}${table(
        ['stage', 'total', 'done', 'failed', 'skipped', 'calls', 'waited (h)'],
        [
          ...(['keys', 'secrets', 'paths'] as const).map(
            (k) => [k, r.orchestration!.tallies[k]] as const,
          ),
          ...Object.entries(r.orchestration.tallies.targets).map(
            ([t, v]) => [`target ${t}`, v] as const,
          ),
        ].map(([k, t]) => [
          k,
          t.total,
          t.done,
          t.failed,
          t.skipped,
          t.calls,
          (t.waitedMs / 3_600_000).toFixed(2),
        ]),
      )}${
        r.orchestration.failureCount
          ? `<h3>Failures (${r.orchestration.failureCount}, latest shown)</h3>${table(
              ['when', 'stage', 'where', 'error'],
              r.orchestration.failures.map((f) => [f.at, f.stage, f.where, f.error]),
            )}`
          : ''
      }`
    : ''
}
<h2>Missing, and why</h2>
${table(
  ['what', 'name', 'status', 'reason'],
  r.missing.map((m) => [m.kind, m.name, m.status, m.reason]),
)}
<h2>What happened when</h2>
${table(
  ['when', 'what'],
  r.timeline.map((e) => [e.at, e.text]),
)}
</body></html>
`;
}
