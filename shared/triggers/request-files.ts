import { createHash } from 'node:crypto';
import type { TableClient } from '@azure/data-tables';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { Clock } from '../clock';
import { describeError } from '../telemetry/redact';
import { accountInstanceId } from '../pipeline/instance-id';
import { ApiError } from './errors';
import type { StartOutcome } from '../pipeline/start-migration';
import type { MigrationService } from './migrations';
import { ensureTable, statusOf } from '../storage/table-util';
import { parseStartCommand, type StartCommand, type StartDefaults } from './validation';

/**
 * Request files: a JSON or CSV blob dropped in the `migration-requests` container lists accounts to
 * migrate. Each entry is validated like a portal request and started the same way (one instance
 * per account). A file is handled once per content: a duplicate or late event for the same bytes
 * changes nothing. The outcome is written beside it, in `migration-requests-results`.
 */

export const MAX_REQUEST_FILE_BYTES = 1024 * 1024;
export const MAX_REQUEST_ENTRIES = 5000;
export const RESULTS_CONTAINER = 'migration-requests-results';

export interface RequestFileResult {
  file: string;
  sha256: string;
  processedAt: string;
  entries: number;
  started: number;
  alreadyRunning: number;
  finished: number;
  invalid: number;
  results: Array<{
    line: number;
    accountId?: string;
    instanceId?: string;
    outcome: StartOutcome | 'invalid' | 'failed';
    problems?: string[];
  }>;
}

export interface RequestFileDeps {
  service: MigrationService;
  /** Marks files (by name and content hash) already handled. */
  processed: TableClient;
  blobs: BlobServiceClient;
  clock: Clock;
  defaults: StartDefaults;
}

/** Parses a request file into entries (by 1-based line or item number) or per-entry problems. */
export function parseRequestFile(
  name: string,
  content: string,
  defaults: StartDefaults,
): Array<{ line: number; command?: StartCommand; problems?: string[] }> {
  const trimmed = content.replace(/^\uFEFF/, '').trim();
  const items =
    /\.json$/i.test(name) || /^[[{]/.test(trimmed) ? jsonItems(trimmed) : csvItems(trimmed);
  if (items.length > MAX_REQUEST_ENTRIES)
    throw new ApiError(
      413,
      'TooManyEntries',
      `a request file may list at most ${MAX_REQUEST_ENTRIES} accounts`,
    );
  return items.map(({ line, value }) => {
    try {
      return { line, command: parseStartCommand(value, defaults) };
    } catch (error) {
      const problems =
        error instanceof ApiError ? (error.details ?? [error.message]) : [describeError(error)];
      return { line, problems };
    }
  });
}

function jsonItems(text: string): Array<{ line: number; value: unknown }> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ApiError(
      400,
      'BadRequest',
      `the request file is not valid JSON: ${(error as Error).message}`,
    );
  }
  const list = Array.isArray(parsed)
    ? parsed
    : typeof parsed === 'object' &&
        parsed !== null &&
        Array.isArray((parsed as { migrations?: unknown }).migrations)
      ? (parsed as { migrations: unknown[] }).migrations
      : [parsed];
  // Options given once at the top apply to every entry that does not set them.
  const shared =
    !Array.isArray(parsed) &&
    typeof parsed === 'object' &&
    parsed !== null &&
    'migrations' in parsed
      ? (({ migrations: _m, ...rest }) => rest)(parsed as Record<string, unknown>)
      : {};
  return list.map((value, i) => ({
    line: i + 1,
    value: typeof value === 'object' && value !== null ? { ...shared, ...value } : value,
  }));
}

/** CSV with a header row; `targets` lists targets separated by `;`, `|` or spaces. */
function csvItems(text: string): Array<{ line: number; value: unknown }> {
  const rows = parseCsv(text);
  const header = rows.shift()?.map((h) => h.trim());
  if (!header?.length) return [];
  return rows
    .map((cells, i) => ({ cells, line: i + 2 }))
    .filter(({ cells }) => cells.some((c) => c.trim()))
    .map(({ cells, line }) => {
      const value: Record<string, unknown> = {};
      header.forEach((column, i) => {
        const cell = (cells[i] ?? '').trim();
        if (!cell) return;
        if (column === 'targets') value.targets = cell.split(/[;|\s]+/).filter(Boolean);
        else if (column === 'requireApproval' || column === 'restart')
          value[column] = /^(true|yes|1)$/i.test(cell)
            ? true
            : /^(false|no|0)$/i.test(cell)
              ? false
              : cell;
        else value[column] = cell;
      });
      return { line, value };
    });
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    row.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') endCell();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endCell();
      rows.push(row);
      row = [];
    } else cell += c;
  }
  endCell();
  rows.push(row);
  return rows;
}

/** Handles one request file; undefined when the same content was handled before. */
export async function handleRequestFile(
  deps: RequestFileDeps,
  file: { name: string; content: Buffer },
): Promise<RequestFileResult | undefined> {
  if (file.content.length > MAX_REQUEST_FILE_BYTES)
    throw new ApiError(
      413,
      'PayloadTooLarge',
      `request file ${file.name} is larger than ${MAX_REQUEST_FILE_BYTES} bytes`,
    );
  const sha256 = createHash('sha256').update(file.content).digest('hex');
  await ensureTable(deps.processed);
  const marker = {
    partitionKey: 'requestFile',
    rowKey: `${encodeURIComponent(file.name)}|${sha256}`,
  };
  try {
    await deps.processed.getEntity(marker.partitionKey, marker.rowKey);
    return undefined;
  } catch (error) {
    if (statusOf(error) !== 404) throw error;
  }

  const result: RequestFileResult = {
    file: file.name,
    sha256,
    processedAt: new Date(deps.clock.now()).toISOString(),
    entries: 0,
    started: 0,
    alreadyRunning: 0,
    finished: 0,
    invalid: 0,
    results: [],
  };
  let entries: ReturnType<typeof parseRequestFile>;
  try {
    entries = parseRequestFile(file.name, file.content.toString('utf8'), deps.defaults);
  } catch (error) {
    result.invalid = 1;
    result.results.push({ line: 0, outcome: 'invalid', problems: [(error as Error).message] });
    entries = [];
  }
  result.entries = entries.length;
  for (const entry of entries) {
    if (!entry.command) {
      result.invalid++;
      result.results.push({ line: entry.line, outcome: 'invalid', problems: entry.problems });
      continue;
    }
    const { request, restart } = entry.command;
    const instanceId = accountInstanceId(request.accountId);
    try {
      const started = await deps.service.ensureStarted(
        instanceId,
        request,
        restart ? 'always' : 'never',
        `request-file:${file.name}`,
      );
      if (started.outcome === 'started' || started.outcome === 'restarted') result.started++;
      else if (started.outcome === 'already-running') result.alreadyRunning++;
      else result.finished++;
      result.results.push({
        line: entry.line,
        accountId: request.accountId,
        instanceId,
        outcome: started.outcome,
      });
    } catch (error) {
      result.results.push({
        line: entry.line,
        accountId: request.accountId,
        instanceId,
        outcome: 'failed',
        problems: [describeError(error)],
      });
    }
  }

  const results = deps.blobs.getContainerClient(RESULTS_CONTAINER);
  await results.createIfNotExists();
  const body = JSON.stringify(result, null, 2);
  await results
    .getBlockBlobClient(`${file.name}.result.json`)
    .upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });
  try {
    await deps.processed.createEntity({ ...marker, processedAt: result.processedAt });
  } catch (error) {
    if (statusOf(error) !== 409) throw error;
  }
  return result;
}
