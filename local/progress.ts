import type { MigrationStatus, ProgressCounts } from '../shared/pipeline/custom-status';

/**
 * Progress bars for long runs: one block per account with a bar per kind of work. On a terminal
 * the block is redrawn in place; elsewhere (CI logs, pipes) a line is printed when something
 * changes, at most every few seconds.
 */

const FULL = '█';
const EMPTY = '░';

export function bar(done: number, total: number, width = 24): string {
  if (total <= 0) return EMPTY.repeat(width);
  const filled = Math.max(0, Math.min(width, Math.floor((done / total) * width)));
  return FULL.repeat(filled) + EMPTY.repeat(width - filled);
}

function line(label: string, p: ProgressCounts, extra = ''): string {
  const finished = p.done + p.failed + p.skipped;
  const pct = p.total > 0 ? Math.floor((finished / p.total) * 100) : 100;
  const failed = `${p.skipped ? `, ${p.skipped} skipped` : ''}${p.failed ? `, ${p.failed} failed` : ''}`;
  return `  ${label.padEnd(9)} ${bar(finished, p.total)} ${String(pct).padStart(3)}%  ${p.done}/${p.total}${failed}${extra}`;
}

/** The lines that show one account's progress. */
export function renderAccount(status: MigrationStatus | undefined, account: string): string[] {
  const name = account.split('/').pop() ?? account;
  if (!status) return [`${name}: starting`];
  const head = [
    `${name}: ${status.phase}${status.outcome ? ` (${status.outcome})` : ''}`,
    status.deadlines.readOnlyAt ? `read-only ${status.deadlines.readOnlyAt.slice(0, 16)}Z` : '',
    status.extension.requested
      ? `extension ${status.extension.granted ? 'granted' : 'refused'}`
      : '',
    status.nextWakeUpAt ? `next wake-up ${status.nextWakeUpAt.slice(0, 16)}Z` : '',
  ]
    .filter(Boolean)
    .join(' · ');
  const lines = [
    head,
    line('secrets', status.progress.secrets),
    line('keys', status.progress.keys),
    line('paths', status.progress.paths, status.progress.paths.derived ? ' (derived)' : ''),
  ];
  for (const [target, p] of Object.entries(status.progress.targets)) lines.push(line(target, p));
  if (status.failureCount)
    lines.push(`  ${status.failureCount} failures; last: ${status.lastFailures.at(-1) ?? ''}`);
  return lines;
}

export interface ProgressWriter {
  update(blocks: string[][]): void;
  done(): void;
}

export function progressWriter(
  stream: NodeJS.WriteStream,
  enabled: boolean,
  now: () => number,
): ProgressWriter {
  let drawn = 0;
  let last = '';
  let lastAt = 0;
  const tty = enabled && stream.isTTY === true;
  return {
    update(blocks) {
      const text = blocks.map((b) => b.join('\n')).join('\n');
      if (text === last) return;
      if (tty) {
        if (drawn) stream.write(`\x1b[${drawn}A\x1b[J`);
        stream.write(`${text}\n`);
        drawn = text.split('\n').length;
      } else if (enabled && now() - lastAt >= 5_000) {
        stream.write(`${blocks.map((b) => b[0]).join('\n')}\n`);
        lastAt = now();
      }
      last = text;
    },
    done() {
      if (!tty && enabled && last) stream.write(`${last}\n`);
    },
  };
}
