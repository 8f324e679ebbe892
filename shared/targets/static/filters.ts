import type { FilterDefinition, FilterTrackCondition } from '../target';
import { parseMasterPlaylist, parseMediaPlaylist } from '../../media/hls';

/**
 * AMS asset and account filters as static manifests. What static files can express is done:
 * track selection (Type, Name, Language, FourCC, Bitrate) becomes a filtered HLS master and DASH
 * manifest, firstQualityBitrate puts that variant first, and a presentation time range keeps the
 * segments it covers (trimmed HLS media playlists; DASH SegmentLists of byte ranges). What they
 * cannot is reported: live windows and backoff, unsupported track properties, missing definitions.
 * Trimming is at segment boundaries, so a range is widened to whole segments.
 */

export interface PackagedTrack {
  kind: 'video' | 'audio' | 'text';
  /** Output media file and HLS media playlist names. */
  output: string;
  playlist: string;
  name?: string;
  language?: string;
  bitrate?: number;
  fourCC?: string;
}

export interface FilteredManifests {
  /** File name -> content of every manifest to add to the output. */
  files: Map<string, string>;
  hls?: string;
  dash?: string;
  warnings: string[];
}

/** ISO 639-2 (as AMS and MP4 write them) to 639-1 (as filters and HLS often write them). */
const TWO_LETTER: Record<string, string> = {
  eng: 'en',
  fra: 'fr',
  fre: 'fr',
  deu: 'de',
  ger: 'de',
  spa: 'es',
  ita: 'it',
  por: 'pt',
  nld: 'nl',
  dut: 'nl',
  jpn: 'ja',
  zho: 'zh',
  chi: 'zh',
  kor: 'ko',
  rus: 'ru',
  ara: 'ar',
  hin: 'hi',
  swe: 'sv',
  nor: 'no',
  dan: 'da',
  fin: 'fi',
  pol: 'pl',
  tur: 'tr',
  ces: 'cs',
  cze: 'cs',
  ell: 'el',
  gre: 'el',
  heb: 'he',
  hun: 'hu',
  ukr: 'uk',
  vie: 'vi',
  tha: 'th',
};

function baseLanguage(value: string): string {
  const base = value.toLowerCase().split('-')[0] ?? '';
  return TWO_LETTER[base] ?? base;
}

export function languageMatches(a: string | undefined, b: string): boolean {
  return a !== undefined && baseLanguage(a) === baseLanguage(b);
}

function bitrateMatches(bitrate: number | undefined, value: string): boolean {
  if (bitrate === undefined) return false;
  const range = /^(\d+)-(\d+)$/.exec(value.trim());
  if (range) return bitrate >= Number(range[1]) && bitrate <= Number(range[2]);
  return bitrate === Number(value);
}

function conditionHolds(track: PackagedTrack, c: FilterTrackCondition): boolean | undefined {
  let holds: boolean;
  switch (c.property) {
    case 'Type':
      holds = track.kind === c.value.toLowerCase();
      break;
    case 'Name':
      holds = track.name === c.value;
      break;
    case 'Language':
      holds = languageMatches(track.language, c.value);
      break;
    case 'FourCC':
      holds = (track.fourCC ?? '').toLowerCase() === c.value.toLowerCase();
      break;
    case 'Bitrate':
      holds = bitrateMatches(track.bitrate, c.value);
      break;
    default:
      return undefined;
  }
  return c.operation === 'NotEqual' ? !holds : holds;
}

/** Tracks a filter keeps: those matching any of its selections (all when it has none). */
export function selectTracks(
  tracks: PackagedTrack[],
  filter: FilterDefinition,
  warnings: string[],
): PackagedTrack[] {
  if (!filter.tracks.length) return tracks;
  return tracks.filter((track) =>
    filter.tracks.some((selection) =>
      selection.every((c) => {
        const holds = conditionHolds(track, c);
        if (holds === undefined) {
          warnings.push(
            `filter ${filter.name}: track property ${c.property} is not supported and was ignored`,
          );
          return true;
        }
        return holds;
      }),
    ),
  );
}

/** Time range of the filters, in seconds (intersection). */
function timeRange(
  filters: FilterDefinition[],
  warnings: string[],
): { start?: number; end?: number } {
  let start: number | undefined;
  let end: number | undefined;
  for (const f of filters) {
    const r = f.presentationTimeRange;
    if (!r) continue;
    const scale = r.timescale ?? 10_000_000;
    if (r.startTimestamp !== undefined) start = Math.max(start ?? 0, r.startTimestamp / scale);
    if (r.endTimestamp !== undefined && r.endTimestamp < Number.MAX_SAFE_INTEGER) {
      end = Math.min(end ?? Infinity, r.endTimestamp / scale);
    }
    if (r.presentationWindowDuration !== undefined || r.liveBackoffDuration !== undefined) {
      warnings.push(
        `filter ${f.name}: live window and backoff do not apply to a static presentation and were not carried over`,
      );
    }
  }
  return { start, end };
}

/** An HLS media playlist with only the segments overlapping [start, end). */
export function trimMediaPlaylist(text: string, start = 0, end = Infinity): string {
  const playlist = parseMediaPlaylist(text);
  let t = 0;
  const kept: string[] = [];
  for (const segment of playlist.segments) {
    const from = t;
    t += segment.duration;
    if (t <= start || from >= end) continue;
    kept.push(`#EXTINF:${segment.duration.toFixed(3)},`);
    if (segment.byteRange)
      kept.push(`#EXT-X-BYTERANGE:${segment.byteRange.length}@${segment.byteRange.offset}`);
    kept.push(segment.uri);
  }
  if (!kept.length) throw new Error('the time range keeps no segment');
  return ['#EXTM3U', ...playlist.headerTags, ...kept, '#EXT-X-ENDLIST', ''].join('\n');
}

/** The name a filtered manifest gets: manifest(filter=a;b).m3u8, as AMS wrote it in URLs. */
export function filteredName(base: string, filterNames: string[], ext: string): string {
  const safe = filterNames.map((n) => n.replace(/[^A-Za-z0-9_.~-]/g, '_')).join(';');
  return `${base}(filter=${safe}).${ext}`;
}

export function buildFilteredManifests(
  filterNames: string[],
  definitions: FilterDefinition[],
  tracks: PackagedTrack[],
  sources: {
    master: string;
    mpd: string;
    masterText: string;
    mpdText: string;
    playlists: Map<string, string>;
  },
): FilteredManifests {
  const warnings: string[] = [];
  const files = new Map<string, string>();
  const filters: FilterDefinition[] = [];
  for (const name of filterNames) {
    const def = definitions.find((d) => d.name === name);
    if (def) filters.push(def);
    else
      warnings.push(`filter ${name}: its definition was not exported, so it was not carried over`);
  }
  if (!filters.length) return { files, warnings };
  let kept = tracks;
  for (const f of filters) kept = selectTracks(kept, f, warnings);
  if (!kept.some((t) => t.kind === 'video' || t.kind === 'audio')) {
    warnings.push(
      `filters ${filterNames.join(';')}: they keep no audio or video track, so no manifest was made`,
    );
    return { files, warnings };
  }
  const keptPlaylists = new Set(kept.map((t) => t.playlist));
  const keptOutputs = new Set(kept.map((t) => t.output));
  const { start, end } = timeRange(filters, warnings);
  const trimmed = start !== undefined || end !== undefined;
  const firstQuality = filters.find((f) => f.firstQualityBitrate)?.firstQualityBitrate;

  // HLS: keep variants and renditions of kept tracks; trimmed playlists when a time range applies.
  const renamed = new Map<string, string>();
  if (trimmed) {
    for (const playlist of keptPlaylists) {
      const text = sources.playlists.get(playlist);
      if (!text) continue;
      const name = filteredName(playlist.replace(/\.m3u8$/, ''), filterNames, 'm3u8');
      files.set(name, trimMediaPlaylist(text, start, end));
      renamed.set(playlist, name);
    }
  }
  const master = parseMasterPlaylist(sources.masterText);
  const lines = ['#EXTM3U', '#EXT-X-INDEPENDENT-SEGMENTS'];
  const groups = new Set<string>();
  for (const r of master.renditions) {
    if (!r.uri || !keptPlaylists.has(r.uri)) continue;
    groups.add(r.groupId);
    const uri = renamed.get(r.uri) ?? r.uri;
    lines.push(`#EXT-X-MEDIA:${rewriteAttributes(r.attributes, { URI: uri })}`);
  }
  let variants = master.variants.filter((v) => keptPlaylists.has(v.uri));
  if (firstQuality) {
    const best = variants.reduce<(typeof variants)[number] | undefined>(
      (acc, v) =>
        !acc || Math.abs(v.bandwidth - firstQuality) < Math.abs(acc.bandwidth - firstQuality)
          ? v
          : acc,
      undefined,
    );
    if (best) variants = [best, ...variants.filter((v) => v !== best)];
  }
  for (const v of variants) {
    const attributes = { ...v.attributes };
    for (const key of ['AUDIO', 'SUBTITLES'] as const) {
      if (attributes[key] && !groups.has(attributes[key]!)) delete attributes[key];
    }
    lines.push(
      `#EXT-X-STREAM-INF:${rewriteAttributes(attributes, {})}`,
      renamed.get(v.uri) ?? v.uri,
    );
  }
  let hlsName: string | undefined;
  if (variants.length) {
    const hls = filteredName(sources.master.replace(/\.m3u8$/, ''), filterNames, 'm3u8');
    files.set(hls, lines.join('\n') + '\n');
    hlsName = hls;
  } else {
    warnings.push(
      `filters ${filterNames.join(';')}: they keep no video variant, so no HLS manifest was made`,
    );
  }

  // DASH: remove representations of dropped tracks; with a time range, each media representation
  // is addressed by a SegmentList of the byte ranges the trimmed HLS playlist kept.
  const dash = filteredName(sources.mpd.replace(/\.mpd$/, ''), filterNames, 'mpd');
  const selected = filterMpd(sources.mpdText, keptOutputs);
  if (trimmed) {
    const segments = new Map<string, string>();
    for (const t of kept) {
      const text = sources.playlists.get(t.playlist);
      if (text && t.kind !== 'text') segments.set(t.output, text);
    }
    files.set(dash, trimMpd(selected, segments, start ?? 0, end ?? Infinity));
  } else {
    files.set(dash, selected);
  }
  return { files, hls: hlsName, dash, warnings };
}

const QUOTED = new Set([
  'URI',
  'GROUP-ID',
  'LANGUAGE',
  'NAME',
  'CODECS',
  'AUDIO',
  'SUBTITLES',
  'CHANNELS',
  'CHARACTERISTICS',
  'ASSOC-LANGUAGE',
  'INSTREAM-ID',
]);

function rewriteAttributes(
  attributes: Record<string, string>,
  changes: Record<string, string>,
): string {
  return Object.entries({ ...attributes, ...changes })
    .map(([k, v]) => (QUOTED.has(k) ? `${k}="${v}"` : `${k}=${v}`))
    .join(',');
}

/** The packager's MPD with representations whose BaseURL is not kept removed (and empty sets). */
export function filterMpd(xml: string, keptFiles: Set<string>): string {
  const withoutReps = xml.replace(
    /[ \t]*<Representation\b[\s\S]*?<\/Representation>\r?\n?/g,
    (block) => {
      const base = /<BaseURL>([^<]*)<\/BaseURL>/.exec(block)?.[1];
      return base && keptFiles.has(base) ? block : '';
    },
  );
  return withoutReps.replace(/[ \t]*<AdaptationSet\b[\s\S]*?<\/AdaptationSet>\r?\n?/g, (block) =>
    /<Representation\b/.test(block) ? block : '',
  );
}

/**
 * A DASH manifest trimmed to [start, end): every representation with a segment index (its HLS
 * playlist's byte ranges) gets a SegmentList of the kept segments in place of its SegmentBase,
 * with presentationTimeOffset so the period starts at the first kept segment.
 */
export function trimMpd(
  xml: string,
  playlists: Map<string, string>,
  start: number,
  end: number,
): string {
  let longest = 0;
  const out = xml.replace(/[ \t]*<Representation\b[\s\S]*?<\/Representation>/g, (block) => {
    const base = /<BaseURL>([^<]*)<\/BaseURL>/.exec(block)?.[1];
    const text = base ? playlists.get(base) : undefined;
    if (!text) return block;
    const playlist = parseMediaPlaylist(text);
    const init = playlist.map?.byteRange;
    let t = 0;
    const kept: Array<{ from: number; duration: number; range: string }> = [];
    for (const s of playlist.segments) {
      const from = t;
      t += s.duration;
      if (t <= start || from >= end || !s.byteRange) continue;
      kept.push({
        from,
        duration: s.duration,
        range: `${s.byteRange.offset}-${s.byteRange.offset + s.byteRange.length - 1}`,
      });
    }
    const first = kept[0];
    if (!first || !init) return block;
    const ms = (x: number) => Math.round(x * 1000);
    longest = Math.max(
      longest,
      kept.reduce((sum, k) => sum + k.duration, 0),
    );
    const indent = /^([ \t]*)<BaseURL>/m.exec(block)?.[1] ?? '        ';
    const list = [
      `${indent}<SegmentList timescale="1000" presentationTimeOffset="${ms(first.from)}">`,
      `${indent}  <Initialization range="${init.offset}-${init.offset + init.length - 1}"/>`,
      `${indent}  <SegmentTimeline>`,
      ...kept.map(
        (k) => `${indent}    <S t="${ms(k.from)}" d="${ms(k.from + k.duration) - ms(k.from)}"/>`,
      ),
      `${indent}  </SegmentTimeline>`,
      ...kept.map((k) => `${indent}  <SegmentURL mediaRange="${k.range}"/>`),
      `${indent}</SegmentList>`,
    ].join('\n');
    return block.replace(/[ \t]*<SegmentBase\b[^>]*?(?:\/>|>[\s\S]*?<\/SegmentBase>)/, list);
  });
  if (!longest) throw new Error('the time range keeps no segment');
  // SegmentList addressing is outside the on-demand profile.
  return out
    .replace(/profiles="[^"]*"/, 'profiles="urn:mpeg:dash:profile:full:2011"')
    .replace(
      /mediaPresentationDuration="[^"]*"/,
      `mediaPresentationDuration="PT${longest.toFixed(3)}S"`,
    );
}
