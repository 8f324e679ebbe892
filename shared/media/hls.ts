/**
 * HLS playlist parsing (RFC 8216), enough to verify what the packager wrote and to derive filtered
 * masters: variants with their attributes, renditions (EXT-X-MEDIA), and media playlist segments
 * with byte ranges, the init map and keys.
 */

export type HlsAttributes = Record<string, string>;

/** Parses an attribute list: KEY=VALUE,KEY="quoted, value". */
export function parseAttributes(text: string): HlsAttributes {
  const out: HlsAttributes = {};
  const pattern = /([A-Z0-9-]+)=("[^"]*"|[^,]*)/g;
  for (const match of text.matchAll(pattern)) {
    const value = match[2] ?? '';
    out[match[1]!] = value.startsWith('"') ? value.slice(1, -1) : value;
  }
  return out;
}

export interface HlsVariant {
  uri: string;
  attributes: HlsAttributes;
  bandwidth: number;
  codecs?: string;
}

export interface HlsRendition {
  attributes: HlsAttributes;
  type: string;
  groupId: string;
  language?: string;
  name?: string;
  uri?: string;
}

export interface HlsMaster {
  variants: HlsVariant[];
  renditions: HlsRendition[];
  /** Lines that are neither variants nor renditions (version, independent segments...). */
  otherTags: string[];
}

function lines(text: string): string[] {
  const all = text.split(/\r?\n/).map((l) => l.trim());
  if (all[0] !== '#EXTM3U') throw new Error('not an HLS playlist (no #EXTM3U)');
  return all.filter(Boolean);
}

export function parseMasterPlaylist(text: string): HlsMaster {
  const all = lines(text);
  const master: HlsMaster = { variants: [], renditions: [], otherTags: [] };
  for (let i = 1; i < all.length; i++) {
    const line = all[i]!;
    if (line.startsWith('#EXT-X-STREAM-INF:')) {
      const attributes = parseAttributes(line.slice('#EXT-X-STREAM-INF:'.length));
      const uri = all[i + 1];
      if (!uri || uri.startsWith('#')) throw new Error('an EXT-X-STREAM-INF has no URI line');
      master.variants.push({
        uri,
        attributes,
        bandwidth: Number(attributes.BANDWIDTH ?? NaN),
        codecs: attributes.CODECS,
      });
      i += 1;
    } else if (line.startsWith('#EXT-X-MEDIA:')) {
      const attributes = parseAttributes(line.slice('#EXT-X-MEDIA:'.length));
      master.renditions.push({
        attributes,
        type: attributes.TYPE ?? '',
        groupId: attributes['GROUP-ID'] ?? '',
        language: attributes.LANGUAGE,
        name: attributes.NAME,
        uri: attributes.URI,
      });
    } else if (line.startsWith('#')) master.otherTags.push(line);
  }
  return master;
}

export interface ByteRange {
  length: number;
  offset: number;
}

export interface HlsSegment {
  uri: string;
  duration: number;
  byteRange?: ByteRange;
}

export interface HlsMediaPlaylist {
  targetDuration: number;
  endList: boolean;
  playlistType?: string;
  map?: { uri: string; byteRange?: ByteRange };
  keys: HlsAttributes[];
  segments: HlsSegment[];
  /** Header tags before the first segment, verbatim (for rewriting trimmed copies). */
  headerTags: string[];
}

function byteRange(value: string, previousEnd: number): ByteRange {
  const [length, offset] = value.split('@');
  return { length: Number(length), offset: offset === undefined ? previousEnd : Number(offset) };
}

export function parseMediaPlaylist(text: string): HlsMediaPlaylist {
  const all = lines(text);
  const playlist: HlsMediaPlaylist = {
    targetDuration: NaN,
    endList: false,
    keys: [],
    segments: [],
    headerTags: [],
  };
  let duration: number | undefined;
  let range: ByteRange | undefined;
  let previousEnd = 0;
  for (let i = 1; i < all.length; i++) {
    const line = all[i]!;
    if (line.startsWith('#EXT-X-TARGETDURATION:'))
      playlist.targetDuration = Number(line.split(':')[1]);
    else if (line === '#EXT-X-ENDLIST') playlist.endList = true;
    else if (line.startsWith('#EXT-X-PLAYLIST-TYPE:')) playlist.playlistType = line.split(':')[1];
    else if (line.startsWith('#EXT-X-MAP:')) {
      const a = parseAttributes(line.slice('#EXT-X-MAP:'.length));
      playlist.map = {
        uri: a.URI ?? '',
        byteRange: a.BYTERANGE ? byteRange(a.BYTERANGE, 0) : undefined,
      };
    } else if (line.startsWith('#EXT-X-KEY:'))
      playlist.keys.push(parseAttributes(line.slice('#EXT-X-KEY:'.length)));
    else if (line.startsWith('#EXTINF:'))
      duration = Number(line.slice('#EXTINF:'.length).split(',')[0]);
    else if (line.startsWith('#EXT-X-BYTERANGE:'))
      range = byteRange(line.slice('#EXT-X-BYTERANGE:'.length), previousEnd);
    else if (!line.startsWith('#')) {
      if (duration === undefined || !Number.isFinite(duration))
        throw new Error(`segment "${line}" has no EXTINF`);
      playlist.segments.push({ uri: line, duration, byteRange: range });
      if (range) previousEnd = range.offset + range.length;
      duration = undefined;
      range = undefined;
    }
    if (
      line.startsWith('#') &&
      !playlist.segments.length &&
      !line.startsWith('#EXTINF:') &&
      !line.startsWith('#EXT-X-BYTERANGE:')
    ) {
      playlist.headerTags.push(line);
    }
  }
  if (!Number.isFinite(playlist.targetDuration))
    throw new Error('the media playlist has no EXT-X-TARGETDURATION');
  return playlist;
}
