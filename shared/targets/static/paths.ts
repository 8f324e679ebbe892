import { createHash } from 'node:crypto';

/**
 * Output paths: the template filled in per asset and locator, safe for any asset name (spaces,
 * commas, unicode stay as they are in blob names; path separators, control characters and dot
 * segments cannot escape the folder), and URLs with every segment percent-encoded.
 */

export interface PathValues {
  locatorId: string;
  assetName: string;
  container: string;
}

/** One path segment from a free-form value: no '/', '\\', control characters or '.'/'..'. */
export function safeSegment(value: string): string {
  const cleaned = [...value.normalize('NFC')]
    .map((c) => (c.charCodeAt(0) < 0x20 || c === '\u007f' || c === '/' || c === '\\' ? '_' : c))
    .join('')
    .trim();
  if (!cleaned || cleaned === '.' || cleaned === '..') return '_';
  return cleaned;
}

/** The output folder for one asset and locator (no leading or trailing slash). */
export function renderOutputPrefix(template: string, values: PathValues): string {
  const filled = template.replace(
    /\{(locatorId|assetName|container)\}/g,
    (_m, key: keyof PathValues) => safeSegment(values[key]),
  );
  const segments = filled.split('/').filter((s) => s !== '');
  const prefix = segments.map(safeSegment).join('/');
  if (!prefix) throw new Error('the output path template renders to an empty path');
  if (prefix.length > 900) throw new Error('the output path is longer than 900 characters');
  return prefix;
}

/** The public URL of a blob path under the base URL. */
export function publicUrl(baseUrl: string, blobPath: string): string {
  return `${baseUrl}/${blobPath.split('/').map(encodeURIComponent).join('/')}`;
}

/** The lock blob of an output folder: one per folder, whatever its characters. */
export function lockBlobName(prefix: string): string {
  return `.lifeboat-locks/${createHash('sha256').update(prefix).digest('hex')}`;
}

const TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  mpd: 'application/dash+xml',
  mp4: 'video/mp4',
  m4s: 'video/iso.segment',
  m4v: 'video/mp4',
  m4a: 'audio/mp4',
  vtt: 'text/vtt; charset=utf-8',
  ttml: 'application/ttml+xml',
  json: 'application/json',
  xml: 'application/xml',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  ism: 'application/vnd.ms-sstr+xml',
  ismc: 'application/vnd.ms-sstr+xml',
};

export function contentTypeOf(fileName: string, audioOnly = false): string {
  const ext = /\.([^./]+)$/.exec(fileName)?.[1]?.toLowerCase() ?? '';
  if (audioOnly && ext === 'mp4') return 'audio/mp4';
  return TYPES[ext] ?? 'application/octet-stream';
}
