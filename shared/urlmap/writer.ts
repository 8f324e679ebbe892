import type { ContainerClient } from '@azure/storage-blob';
import { TextBlobWriter } from '../snapshot/ndjson-writer';

/** One old URL and where it leads now. */
export interface UrlMapRow {
  oldUrl: string;
  host: string;
  hostKind: string;
  kind: string;
  format?: string;
  filters: string[];
  encryption?: string;
  streamingLocatorId: string;
  locator: string;
  asset: string;
  /** The path was derived from GET data and the `.ism`, not listed by the service. */
  derived: boolean;
  newUrl?: string;
  target?: string;
}

const CSV_COLUMNS = [
  'old_url',
  'host',
  'host_kind',
  'kind',
  'format',
  'filters',
  'encryption',
  'streaming_locator_id',
  'locator',
  'asset',
  'derived',
  'new_url',
  'target',
] as const;

export function csvField(value: string | number | boolean | undefined): string {
  const text = value === undefined ? '' : String(value);
  // Quote when needed; neutralise leading formula characters for spreadsheet safety.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

export function csvLine(row: UrlMapRow): string {
  return (
    [
      row.oldUrl,
      row.host,
      row.hostKind,
      row.kind,
      row.format,
      row.filters.join(';'),
      row.encryption,
      row.streamingLocatorId,
      row.locator,
      row.asset,
      row.derived,
      row.newUrl,
      row.target,
    ]
      .map(csvField)
      .join(',') + '\r\n'
  );
}

/**
 * Writes the URL map as JSON (`{ ...header, "rows": [ ... ] }`) and CSV side by side, streamed
 * into block blobs: rows are never all in memory.
 */
export class UrlMapWriter {
  private readonly json: TextBlobWriter;
  private readonly csv: TextBlobWriter;
  private rows = 0;
  private started = false;

  constructor(
    container: ContainerClient,
    readonly jsonPath: string,
    readonly csvPath: string,
    private readonly header: Record<string, unknown>,
  ) {
    this.json = new TextBlobWriter(container.getBlockBlobClient(jsonPath));
    this.csv = new TextBlobWriter(container.getBlockBlobClient(csvPath));
  }

  get count(): number {
    return this.rows;
  }

  private async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const head = JSON.stringify(this.header);
    await this.json.write(`${head.slice(0, -1)}${head.length > 2 ? ',' : ''}"rows":[\n`);
    await this.csv.write(CSV_COLUMNS.join(',') + '\r\n');
  }

  async write(row: UrlMapRow): Promise<void> {
    await this.start();
    await this.json.write(`${this.rows ? ',\n' : ''}${JSON.stringify(row)}`);
    await this.csv.write(csvLine(row));
    this.rows += 1;
  }

  async close(summary: Record<string, unknown>): Promise<void> {
    await this.start();
    await this.json.write(`\n],"summary":${JSON.stringify(summary)}}\n`);
    await this.json.close('application/json');
    await this.csv.close('text/csv');
  }
}
