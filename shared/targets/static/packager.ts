import { spawn } from 'node:child_process';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Runs the shaka-packager binary directly (the npm wrapper reports success even when packaging
 * fails). Stream descriptors are built field by field, leaving out empty values, because the
 * packager rejects a trailing empty field such as `language=eng,`. Success means exit code 0,
 * the completion line on its output, and every promised output file present and not empty.
 */

export interface PackagerStream {
  /** Local input file. */
  input: string;
  /** `video`, `audio`, `text` or a 0-based stream index in the input. */
  stream: string;
  /** Output file name (in the output folder). */
  output: string;
  playlistName?: string;
  language?: string;
  hlsGroupId?: string;
  hlsName?: string;
  /** DASH roles, e.g. `main`. */
  dashRoles?: string;
}

export interface PackagerEncryption {
  keyIdHex: string;
  keyHex: string;
  hlsKeyUri: string;
}

export interface PackagerJob {
  outputDir: string;
  streams: PackagerStream[];
  hlsMaster: string;
  mpd: string;
  segmentDuration: number;
  encryption?: PackagerEncryption;
}

/** The packager binary of the npm package, for this platform. */
export function defaultPackagerPath(): string {
  const arch = process.arch === 'arm64' ? 'arm64' : 'x64';
  const os = process.platform === 'darwin' ? 'osx' : 'linux';
  return join(
    require.resolve('shaka-packager/package.json'),
    '..',
    'bin',
    `packager-${os}-${arch}`,
  );
}

function field(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  if (/[,=]/.test(value))
    throw new Error(`packager field ${name} cannot contain ',' or '=': "${value}"`);
  return `${name}=${value}`;
}

export function streamDescriptor(s: PackagerStream, outputDir: string): string {
  return [
    field('in', s.input),
    field('stream', s.stream),
    field('output', join(outputDir, s.output)),
    field('playlist_name', s.playlistName),
    field('language', s.language),
    field('hls_group_id', s.hlsGroupId),
    field('hls_name', s.hlsName),
    field('dash_roles', s.dashRoles),
  ]
    .filter((f): f is string => f !== undefined)
    .join(',');
}

export function packagerArguments(job: PackagerJob): string[] {
  const args = job.streams.map((s) => streamDescriptor(s, job.outputDir));
  args.push(
    '--segment_duration',
    String(job.segmentDuration),
    '--mpd_output',
    join(job.outputDir, job.mpd),
    '--hls_master_playlist_output',
    join(job.outputDir, job.hlsMaster),
    '--hls_playlist_type',
    'VOD',
  );
  if (job.encryption) {
    args.push(
      '--enable_raw_key_encryption',
      '--keys',
      `key_id=${job.encryption.keyIdHex}:key=${job.encryption.keyHex}`,
      '--protection_scheme',
      'cbcs',
      '--clear_lead',
      '0',
      '--hls_key_uri',
      job.encryption.hlsKeyUri,
    );
  }
  return args;
}

export class PackagerError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly output: string,
  ) {
    super(message);
    this.name = 'PackagerError';
  }
}

/** Output lines worth reporting: errors, without the key material of the command line. */
function errorLines(output: string): string {
  return output
    .split('\n')
    .filter((l) => /^[EF]\d{4}|error/i.test(l))
    .map((l) => l.replace(/key=[0-9a-f]+/gi, 'key=***'))
    .slice(0, 5)
    .join(' | ');
}

export interface PackagerRun {
  durationMs: number;
  /** Peak resident memory of the packager process, bytes (0 when it cannot be read). */
  peakRssBytes: number;
}

export async function runPackager(binary: string, job: PackagerJob): Promise<PackagerRun> {
  const started = Date.now();
  const child = spawn(binary, packagerArguments(job), { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  let peakRssBytes = 0;
  const sampler = setInterval(() => {
    peakRssBytes = Math.max(peakRssBytes, readRss(child.pid));
  }, 25);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  }).finally(() => clearInterval(sampler));
  if (exitCode !== 0) {
    throw new PackagerError(
      `shaka-packager exited with code ${exitCode}: ${errorLines(output) || 'no error output'}`,
      exitCode,
      output,
    );
  }
  if (!output.includes('Packaging completed successfully')) {
    throw new PackagerError('shaka-packager exited 0 without reporting success', exitCode, output);
  }
  const expected = [job.hlsMaster, job.mpd, ...job.streams.map((s) => s.output)];
  for (const name of expected) {
    const info = await stat(join(job.outputDir, name)).catch(() => undefined);
    if (!info || info.size === 0)
      throw new PackagerError(`shaka-packager did not write ${name}`, exitCode, output);
  }
  return { durationMs: Date.now() - started, peakRssBytes };
}

function readRss(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const status: string = require('node:fs').readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+)/.exec(status)?.[1] ?? /VmRSS:\s+(\d+)/.exec(status)?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}
