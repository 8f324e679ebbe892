import { open, type FileHandle } from 'node:fs/promises';

/**
 * ISO BMFF (MP4) box reading: enough to count samples and durations per track in progressive and
 * fragmented files, and to walk fragments. Only `moov`, `moof`, `sidx` and similar small boxes are
 * read into memory; `mdat` payloads are skipped, so a scan of a large file stays small.
 */

export interface Box {
  type: string;
  /** Offset of the box header within the buffer (or file). */
  start: number;
  /** Whole box size, header included. */
  size: number;
  headerSize: number;
}

/** Boxes whose payload is only child boxes. */
const CONTAINERS = new Set([
  'moov',
  'trak',
  'mdia',
  'minf',
  'stbl',
  'mvex',
  'moof',
  'traf',
  'edts',
  'dinf',
  'mfra',
]);

/** Reads the header of the box at `offset`; `end` bounds a size-0 ("to the end") box. */
export function readBoxHeader(buf: Buffer, offset: number, end = buf.length): Box {
  if (offset + 8 > end) throw new Error(`truncated box header at ${offset}`);
  let size = buf.readUInt32BE(offset);
  const type = buf.toString('latin1', offset + 4, offset + 8);
  let headerSize = 8;
  if (size === 1) {
    if (offset + 16 > end) throw new Error(`truncated large box header at ${offset}`);
    size = Number(buf.readBigUInt64BE(offset + 8));
    headerSize = 16;
  } else if (size === 0) {
    size = end - offset;
  }
  if (type === 'uuid') headerSize += 16;
  if (size < headerSize) throw new Error(`box "${type}" at ${offset} has an invalid size ${size}`);
  return { type, start: offset, size, headerSize };
}

/** The direct children of a region of `buf`. */
export function childBoxes(buf: Buffer, start = 0, end = buf.length): Box[] {
  const boxes: Box[] = [];
  let offset = start;
  while (offset + 8 <= end) {
    const box = readBoxHeader(buf, offset, end);
    if (box.start + box.size > end)
      throw new Error(`box "${box.type}" at ${offset} overruns its parent`);
    boxes.push(box);
    offset += box.size;
  }
  return boxes;
}

export function children(buf: Buffer, parent: Box): Box[] {
  return childBoxes(buf, parent.start + parent.headerSize, parent.start + parent.size);
}

export function child(buf: Buffer, parent: Box, type: string): Box | undefined {
  return children(buf, parent).find((b) => b.type === type);
}

/** Follows a path of box types from a container, e.g. `['mdia', 'minf', 'stbl']`. */
export function descend(buf: Buffer, parent: Box, path: string[]): Box | undefined {
  let current: Box | undefined = parent;
  for (const type of path) {
    if (!current) return undefined;
    current = child(buf, current, type);
  }
  return current;
}

export function isContainer(type: string): boolean {
  return CONTAINERS.has(type);
}

/** Payload offset of a full box (after version and flags). */
function fullPayload(buf: Buffer, box: Box): { version: number; flags: number; at: number } {
  const at = box.start + box.headerSize;
  return { version: buf.readUInt8(at), flags: buf.readUInt32BE(at) & 0xffffff, at: at + 4 };
}

export type TrackKind = 'video' | 'audio' | 'text' | 'other';

export interface TrackInfo {
  trackId: number;
  kind: TrackKind;
  handler: string;
  timescale: number;
  /** Sample entry type, e.g. avc1, mp4a, wvtt, stpp. */
  codec: string;
  language?: string;
  /** Samples in the `moov` sample tables (0 for a fragmented file). */
  sampleCount: number;
  /** Sum of sample durations, in `timescale` units. */
  duration: number;
  width?: number;
  height?: number;
}

interface TrackDefaults {
  duration: number;
  size: number;
}

function handlerKind(handler: string): TrackKind {
  if (handler === 'vide') return 'video';
  if (handler === 'soun') return 'audio';
  if (handler === 'text' || handler === 'subt' || handler === 'sbtl') return 'text';
  return 'other';
}

function decodeLanguage(packed: number): string | undefined {
  if (!packed || packed === 0x7fff) return undefined;
  const chars = [(packed >> 10) & 31, (packed >> 5) & 31, packed & 31].map((c) =>
    String.fromCharCode(c + 0x60),
  );
  const code = chars.join('');
  return code === 'und' ? undefined : code;
}

/** Tracks described by a `moov` box: kinds, codecs, languages and the sample-table totals. */
export function parseMoov(
  buf: Buffer,
  moov: Box,
): { tracks: TrackInfo[]; defaults: Map<number, TrackDefaults> } {
  const tracks: TrackInfo[] = [];
  for (const trak of children(buf, moov).filter((b) => b.type === 'trak')) {
    const tkhd = child(buf, trak, 'tkhd');
    const mdhd = descend(buf, trak, ['mdia', 'mdhd']);
    const hdlr = descend(buf, trak, ['mdia', 'hdlr']);
    if (!tkhd || !mdhd || !hdlr) throw new Error('a trak lacks tkhd, mdhd or hdlr');
    const t = fullPayload(buf, tkhd);
    const trackId = buf.readUInt32BE(t.at + (t.version === 1 ? 16 : 8));
    const m = fullPayload(buf, mdhd);
    const timescale = buf.readUInt32BE(m.at + (m.version === 1 ? 16 : 8));
    const language = decodeLanguage(buf.readUInt16BE(m.at + (m.version === 1 ? 28 : 16)));
    const handler = buf.toString(
      'latin1',
      hdlr.start + hdlr.headerSize + 8,
      hdlr.start + hdlr.headerSize + 12,
    );
    const stbl = descend(buf, trak, ['mdia', 'minf', 'stbl']);
    let codec = '';
    let sampleCount = 0;
    let duration = 0;
    let width: number | undefined;
    let height: number | undefined;
    if (stbl) {
      const stsd = child(buf, stbl, 'stsd');
      if (stsd) {
        const entry = readBoxHeader(buf, stsd.start + stsd.headerSize + 8);
        codec = entry.type;
        if (handlerKind(handler) === 'video') {
          width = buf.readUInt16BE(entry.start + 8 + 24);
          height = buf.readUInt16BE(entry.start + 8 + 26);
        }
      }
      const stts = child(buf, stbl, 'stts');
      if (stts) {
        const s = fullPayload(buf, stts);
        const entries = buf.readUInt32BE(s.at);
        for (let i = 0; i < entries; i++) {
          const count = buf.readUInt32BE(s.at + 4 + i * 8);
          const delta = buf.readUInt32BE(s.at + 8 + i * 8);
          sampleCount += count;
          duration += count * delta;
        }
      }
    }
    tracks.push({
      trackId,
      kind: handlerKind(handler),
      handler,
      timescale,
      codec,
      language,
      sampleCount,
      duration,
      width,
      height,
    });
  }
  const defaults = new Map<number, TrackDefaults>();
  const mvex = child(buf, moov, 'mvex');
  if (mvex) {
    for (const trex of children(buf, mvex).filter((b) => b.type === 'trex')) {
      const p = fullPayload(buf, trex);
      defaults.set(buf.readUInt32BE(p.at), {
        duration: buf.readUInt32BE(p.at + 8),
        size: buf.readUInt32BE(p.at + 12),
      });
    }
  }
  return { tracks, defaults };
}

export interface FragmentRun {
  trackId: number;
  /** tfdt base media decode time, when present. */
  baseMediaDecodeTime?: number;
  sampleCount: number;
  duration: number;
  /** Smallest and largest composition offsets (signed), 0 when absent. */
  minCompositionOffset: number;
}

/** Samples and durations of each track fragment in a `moof`. */
export function parseMoof(
  buf: Buffer,
  moof: Box,
  defaults: Map<number, TrackDefaults>,
): FragmentRun[] {
  const runs: FragmentRun[] = [];
  for (const traf of children(buf, moof).filter((b) => b.type === 'traf')) {
    const tfhd = child(buf, traf, 'tfhd');
    if (!tfhd) throw new Error('a traf lacks tfhd');
    const h = fullPayload(buf, tfhd);
    const trackId = buf.readUInt32BE(h.at);
    let at = h.at + 4;
    if (h.flags & 0x1) at += 8; // base data offset
    if (h.flags & 0x2) at += 4; // sample description index
    let defaultDuration = defaults.get(trackId)?.duration ?? 0;
    if (h.flags & 0x8) {
      defaultDuration = buf.readUInt32BE(at);
      at += 4;
    }
    let baseMediaDecodeTime: number | undefined;
    const tfdt = child(buf, traf, 'tfdt');
    if (tfdt) {
      const d = fullPayload(buf, tfdt);
      baseMediaDecodeTime =
        d.version === 1 ? Number(buf.readBigUInt64BE(d.at)) : buf.readUInt32BE(d.at);
    }
    let sampleCount = 0;
    let duration = 0;
    let minCompositionOffset = 0;
    for (const trun of children(buf, traf).filter((b) => b.type === 'trun')) {
      const r = fullPayload(buf, trun);
      const count = buf.readUInt32BE(r.at);
      let p = r.at + 4;
      if (r.flags & 0x1) p += 4; // data offset
      if (r.flags & 0x4) p += 4; // first sample flags
      for (let i = 0; i < count; i++) {
        if (r.flags & 0x100) {
          duration += buf.readUInt32BE(p);
          p += 4;
        } else duration += defaultDuration;
        if (r.flags & 0x200) p += 4;
        if (r.flags & 0x400) p += 4;
        if (r.flags & 0x800) {
          // Version 1 offsets are signed; Smooth files write negative ones in version 0 too.
          const offset = buf.readInt32BE(p);
          if (offset < minCompositionOffset) minCompositionOffset = offset;
          p += 4;
        }
      }
      sampleCount += count;
    }
    runs.push({ trackId, baseMediaDecodeTime, sampleCount, duration, minCompositionOffset });
  }
  return runs;
}

/** Per-track totals of a whole file: sample tables plus every fragment. */
export interface TrackSummary extends TrackInfo {
  fragments: number;
}

/**
 * Reads the top-level boxes of a file from disk, loading only `moov`, `moof` and other small
 * boxes, and totals samples and durations per track.
 */
export async function summarizeMp4File(path: string): Promise<TrackSummary[]> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    let tracks: TrackSummary[] = [];
    let defaults = new Map<number, TrackDefaults>();
    for await (const { box, data } of topLevelBoxes(handle, size, new Set(['moov', 'moof']))) {
      if (box.type === 'moov' && data) {
        const parsed = parseMoov(data, readBoxHeader(data, 0));
        tracks = parsed.tracks.map((t) => ({ ...t, fragments: 0 }));
        defaults = parsed.defaults;
      } else if (box.type === 'moof' && data) {
        for (const run of parseMoof(data, readBoxHeader(data, 0), defaults)) {
          const track = tracks.find((t) => t.trackId === run.trackId);
          if (!track) throw new Error(`fragment of unknown track ${run.trackId} in ${path}`);
          track.sampleCount += run.sampleCount;
          track.duration += run.duration;
          track.fragments += 1;
        }
      }
    }
    return tracks;
  } finally {
    await handle.close();
  }
}

/** Iterates top-level boxes of an open file, reading the payload only of the wanted types. */
export async function* topLevelBoxes(
  handle: FileHandle,
  size: number,
  wanted: ReadonlySet<string>,
): AsyncIterable<{ box: Box; data?: Buffer }> {
  const header = Buffer.alloc(32);
  let offset = 0;
  while (offset + 8 <= size) {
    const { bytesRead } = await handle.read(header, 0, Math.min(32, size - offset), offset);
    const view = header.subarray(0, bytesRead);
    const local = readBoxHeader(view, 0, size - offset);
    const box: Box = { ...local, start: offset };
    if (offset + box.size > size)
      throw new Error(`box "${box.type}" at ${offset} overruns the file`);
    let data: Buffer | undefined;
    if (wanted.has(box.type)) {
      data = Buffer.alloc(box.size);
      await handle.read(data, 0, box.size, offset);
    }
    yield { box, data };
    offset += box.size;
  }
}

/** Builds a box from a type and payload parts. */
export function makeBox(type: string, ...payload: Buffer[]): Buffer {
  const body = Buffer.concat(payload);
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length + 8, 0);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

/** Builds a full box (version and flags) from a type and payload parts. */
export function makeFullBox(
  type: string,
  version: number,
  flags: number,
  ...payload: Buffer[]
): Buffer {
  const vf = Buffer.alloc(4);
  vf.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff), 0);
  return makeBox(type, vf, ...payload);
}
