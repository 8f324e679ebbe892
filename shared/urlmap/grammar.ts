/**
 * The AMS streaming URL grammar (DESIGN §3), both ways:
 *   https://{host}/{streamingLocatorId}/{manifest}.ism/manifest{(options)}{.m3u8|.mpd}
 *   https://{host}/{streamingLocatorId}/{file}            (downloads)
 * Options are comma separated: `format=` (absent for Smooth), `filter=a;b` (up to three),
 * `encryption=`, `audio-only=`. Pure functions: no I/O.
 */

export type StreamingFormat = 'hls-v4' | 'hls-v3' | 'hls-cmaf' | 'dash' | 'dash-cmaf' | 'smooth';
export type UrlKind = 'hls' | 'dash' | 'smooth' | 'download';

const FORMAT_OPTION: Record<StreamingFormat, string | undefined> = {
  'hls-v4': 'm3u8-aapl',
  'hls-v3': 'm3u8-aapl-v3',
  'hls-cmaf': 'm3u8-cmaf',
  dash: 'mpd-time-csf',
  'dash-cmaf': 'mpd-time-cmaf',
  smooth: undefined,
};

const FORMAT_BY_OPTION = new Map<string, StreamingFormat>(
  Object.entries(FORMAT_OPTION)
    .filter(([, option]) => option)
    .map(([format, option]) => [option as string, format as StreamingFormat]),
);

export const STREAMING_FORMATS = Object.keys(FORMAT_OPTION) as StreamingFormat[];

/** Formats a player can ask for under a listed protocol (listPaths names one per protocol). */
export const FORMATS_BY_PROTOCOL: Record<'Hls' | 'Dash' | 'SmoothStreaming', StreamingFormat[]> = {
  Hls: ['hls-v4', 'hls-v3', 'hls-cmaf'],
  Dash: ['dash', 'dash-cmaf'],
  SmoothStreaming: ['smooth'],
};

export function kindOf(format: StreamingFormat): UrlKind {
  return format.startsWith('hls') ? 'hls' : format.startsWith('dash') ? 'dash' : 'smooth';
}

export function formatOption(format: StreamingFormat): string | undefined {
  return FORMAT_OPTION[format];
}

/** The parts of a streaming or download URL. */
export interface StreamingUrlParts {
  host: string;
  streamingLocatorId: string;
  kind: UrlKind;
  /** The server manifest's file name (`video.ism`), for streaming URLs. */
  manifest?: string;
  format?: StreamingFormat;
  filters: string[];
  /** `encryption=` as listPaths writes it (cbc, cenc, cbcs-aapl). */
  encryption?: string;
  audioOnly?: boolean;
  /** The file name, for downloads. */
  file?: string;
}

const encodeSegment = (s: string) => encodeURIComponent(s);

/** Builds the URL (HLS with `.m3u8`, DASH with `.mpd`, as players request them). */
export function buildUrl(parts: StreamingUrlParts, scheme = 'https'): string {
  const base = `${scheme}://${parts.host}/${parts.streamingLocatorId}`;
  if (parts.kind === 'download') {
    if (!parts.file) throw new Error('a download URL needs a file');
    return `${base}/${encodeSegment(parts.file)}`;
  }
  if (!parts.manifest || !parts.format)
    throw new Error('a streaming URL needs a manifest and a format');
  const options: string[] = [];
  const format = FORMAT_OPTION[parts.format];
  if (format) options.push(`format=${format}`);
  if (parts.filters.length) options.push(`filter=${parts.filters.join(';')}`);
  if (parts.encryption) options.push(`encryption=${parts.encryption}`);
  if (parts.audioOnly !== undefined) options.push(`audio-only=${String(parts.audioOnly)}`);
  const extension = parts.kind === 'hls' ? '.m3u8' : parts.kind === 'dash' ? '.mpd' : '';
  return `${base}/${encodeSegment(parts.manifest)}/manifest${options.length ? `(${options.join(',')})` : ''}${extension}`;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MANIFEST_TAIL = /^manifest(?:\(([^)]*)\))?(\.m3u8|\.mpd)?$/i;

/**
 * Parses a streaming or download URL, or a listPaths path (`/{locatorId}/...`, with `host`).
 * Returns undefined for anything that is not one.
 */
export function parseUrl(url: string, host?: string): StreamingUrlParts | undefined {
  let pathname: string;
  let hostName = host ?? '';
  if (/^https?:\/\//i.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return undefined;
    }
    hostName = parsed.host.toLowerCase();
    pathname = parsed.pathname;
  } else {
    pathname = url.split('?')[0] ?? '';
  }
  const segments = pathname.split('/').filter(Boolean);
  const [locatorId, second, third] = segments;
  if (!locatorId || !GUID.test(locatorId) || !second) return undefined;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  if (segments.length === 2) {
    return {
      host: hostName,
      streamingLocatorId: locatorId.toLowerCase(),
      kind: 'download',
      file: decode(second),
      filters: [],
    };
  }
  if (segments.length !== 3 || !/\.ism$/i.test(decode(second)) || !third) return undefined;
  const tail = MANIFEST_TAIL.exec(decode(third));
  if (!tail) return undefined;
  const options = new Map<string, string>();
  for (const option of (tail[1] ?? '').split(',').filter(Boolean)) {
    const at = option.indexOf('=');
    options.set(
      (at < 0 ? option : option.slice(0, at)).trim().toLowerCase(),
      at < 0 ? '' : option.slice(at + 1).trim(),
    );
  }
  const formatOptionValue = options.get('format')?.toLowerCase();
  let format: StreamingFormat | undefined;
  if (formatOptionValue === undefined) {
    const ext = tail[2]?.toLowerCase();
    format = ext === '.m3u8' ? 'hls-v4' : ext === '.mpd' ? 'dash' : 'smooth';
  } else {
    format = FORMAT_BY_OPTION.get(formatOptionValue);
    if (!format) return undefined;
  }
  const filters = (options.get('filter') ?? '')
    .split(';')
    .map((f) => f.trim())
    .filter(Boolean);
  const audio = options.get('audio-only');
  return {
    host: hostName,
    streamingLocatorId: locatorId.toLowerCase(),
    kind: kindOf(format),
    manifest: decode(second),
    format,
    filters,
    encryption: options.get('encryption') || undefined,
    audioOnly: audio === undefined ? undefined : audio.toLowerCase() === 'true',
  };
}

/**
 * The key old URLs are matched to new ones by: locator, kind, manifest or file, and the filter set
 * (case and order do not matter to the origin). Host and format are not part of it: every host and
 * every HLS flavour of one manifest lead to the same new HLS URL.
 */
export function matchKey(
  parts: Pick<StreamingUrlParts, 'streamingLocatorId' | 'kind' | 'filters' | 'file'>,
): string {
  const filters = parts.filters
    .map((f) => f.toLowerCase())
    .sort()
    .join(';');
  return [
    parts.streamingLocatorId.toLowerCase(),
    parts.kind,
    parts.kind === 'download' ? (parts.file ?? '') : '',
    filters,
  ].join('|');
}
