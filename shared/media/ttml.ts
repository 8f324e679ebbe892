import { childBoxes, children, parseMoov, type Box } from './mp4';
import { XMLValidator } from './xml';

/**
 * TTML text (as AMS live archives store it: one TTML document per fragment in an `stpp` track) to
 * WebVTT, which the packager and players take. Cue times in the documents are on the media
 * timeline; `begin`/`end` in clock time (`hh:mm:ss.fff`, `hh:mm:ss:frames`) or offset time
 * (`12.5s`, `500ms`, `9000t`) are understood. Styling is dropped; line breaks are kept.
 */

export interface Cue {
  start: number;
  end: number;
  text: string;
}

interface TimingParams {
  frameRate: number;
  tickRate: number;
}

export function parseTtmlTime(value: string, params: TimingParams): number {
  const v = value.trim();
  const clock = /^(\d+):(\d{2}):(\d{2})(?:(\.\d+)|:(\d+(?:\.\d+)?))?$/.exec(v);
  if (clock) {
    const [, h, m, s, fraction, frames] = clock;
    return (
      Number(h) * 3600 +
      Number(m) * 60 +
      Number(s) +
      (fraction ? Number(fraction) : 0) +
      (frames ? Number(frames) / params.frameRate : 0)
    );
  }
  const offset = /^(\d+(?:\.\d+)?)(h|m|s|ms|f|t)$/.exec(v);
  if (offset) {
    const n = Number(offset[1]);
    switch (offset[2]) {
      case 'h':
        return n * 3600;
      case 'm':
        return n * 60;
      case 's':
        return n;
      case 'ms':
        return n / 1000;
      case 'f':
        return n / params.frameRate;
      default:
        return n / params.tickRate;
    }
  }
  throw new Error(`unsupported TTML time expression "${value}"`);
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|\w+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X'))
      return String.fromCodePoint(parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(parseInt(name.slice(1), 10));
    return ENTITIES[name] ?? whole;
  });
}

function attribute(attrs: string, name: string): string | undefined {
  const match = new RegExp(`(?:^|\\s)(?:\\w+:)?${name}\\s*=\\s*("([^"]*)"|'([^']*)')`).exec(attrs);
  return match ? (match[2] ?? match[3]) : undefined;
}

/** The cues of one TTML document. */
export function parseTtml(doc: string): Cue[] {
  const valid = XMLValidator.validate(doc);
  if (valid !== true) throw new Error(`a TTML document is not well-formed: ${valid.err.msg}`);
  const root = /<(?:\w+:)?tt\b([^>]*)>/.exec(doc)?.[1] ?? '';
  const params: TimingParams = {
    frameRate: Number(attribute(root, 'frameRate') ?? 30) || 30,
    tickRate: Number(attribute(root, 'tickRate') ?? 1) || 1,
  };
  const cues: Cue[] = [];
  const paragraph = /<(?:\w+:)?p\b([^>]*?)(?:\/>|>([\s\S]*?)<\/(?:\w+:)?p>)/g;
  for (const match of doc.matchAll(paragraph)) {
    const attrs = match[1] ?? '';
    const begin = attribute(attrs, 'begin');
    const end = attribute(attrs, 'end');
    const dur = attribute(attrs, 'dur');
    if (begin === undefined || (end === undefined && dur === undefined)) continue;
    const start = parseTtmlTime(begin, params);
    const stop =
      end !== undefined ? parseTtmlTime(end, params) : start + parseTtmlTime(dur!, params);
    const text = decodeEntities(
      (match[2] ?? '')
        .replace(/<(?:\w+:)?br\s*\/?>/g, '\n')
        .replace(/<[^>]+>/g, '')
        .replace(/[ \t\r]*\n[ \t\r]*/g, '\n')
        .replace(/[ \t\r]+/g, ' ')
        .trim(),
    );
    if (text && stop > start) cues.push({ start, end: stop, text });
  }
  return cues;
}

function vttTime(seconds: number): string {
  const ms = Math.round(seconds * 1000);
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = Math.floor((ms % 60_000) / 1000);
  const f = ms % 1000;
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(h)}:${pad(m)}:${pad(s)}.${pad(f, 3)}`;
}

/** WebVTT from cues, sorted, with repeats (a cue carried across fragments) merged. */
export function toWebVtt(cues: Cue[]): string {
  const sorted = [...cues].sort((a, b) => a.start - b.start || a.end - b.end);
  const merged: Cue[] = [];
  for (const cue of sorted) {
    const last = merged[merged.length - 1];
    if (last && last.text === cue.text && cue.start <= last.end + 0.001)
      last.end = Math.max(last.end, cue.end);
    else merged.push({ ...cue });
  }
  // "-->" inside cue text would end the timing line; WebVTT has no escape for it.
  const body = merged
    .map((c) => `${vttTime(c.start)} --> ${vttTime(c.end)}\n${c.text.replace(/-->/g, '->')}`)
    .join('\n\n');
  return `WEBVTT\n\n${body}${body ? '\n' : ''}`;
}

/**
 * The TTML documents carried in an `stpp` track: each sample of each fragment. `fragments` are
 * moof+mdat pairs (the live archive's fragment blobs); `header` is its ftyp+moov.
 */
export function ttmlSamples(header: Buffer, fragments: Buffer[]): string[] {
  const moov = childBoxes(header).find((b) => b.type === 'moov');
  if (!moov) throw new Error('the text track header has no moov');
  const { defaults } = parseMoov(header, moov);
  const docs: string[] = [];
  for (const fragment of fragments) {
    const boxes = childBoxes(fragment);
    const moof = boxes.find((b) => b.type === 'moof');
    const mdat = boxes.find((b) => b.type === 'mdat');
    if (!moof || !mdat) throw new Error('a text fragment lacks moof or mdat');
    const sizes = sampleSizes(fragment, moof, defaults);
    let at = mdat.start + mdat.headerSize;
    const end = mdat.start + mdat.size;
    for (const size of sizes.length ? sizes : [end - at]) {
      docs.push(fragment.toString('utf8', at, Math.min(end, at + size)));
      at += size;
    }
  }
  return docs;
}

/** The TTML documents of a whole fragmented MP4 text file (Smooth `.ismt`, CMAF `.cmft`). */
export function ttmlFromFragmentedFile(file: Buffer): string[] {
  const boxes = childBoxes(file);
  const fragments: Buffer[] = [];
  for (let i = 0; i < boxes.length; i++) {
    const box = boxes[i]!;
    const next = boxes[i + 1];
    if (box.type === 'moof' && next?.type === 'mdat') {
      fragments.push(file.subarray(box.start, next.start + next.size));
      i += 1;
    }
  }
  return ttmlSamples(file, fragments);
}

function sampleSizes(buf: Buffer, moof: Box, defaults: Map<number, { size: number }>): number[] {
  const sizes: number[] = [];
  for (const traf of children(buf, moof).filter((b) => b.type === 'traf')) {
    const tfhd = children(buf, traf).find((b) => b.type === 'tfhd');
    if (!tfhd) continue;
    const at = tfhd.start + tfhd.headerSize;
    const flags = buf.readUInt32BE(at) & 0xffffff;
    const trackId = buf.readUInt32BE(at + 4);
    let p = at + 8;
    if (flags & 0x1) p += 8;
    if (flags & 0x2) p += 4;
    if (flags & 0x8) p += 4;
    let defaultSize = defaults.get(trackId)?.size ?? 0;
    if (flags & 0x10) defaultSize = buf.readUInt32BE(p);
    for (const trun of children(buf, traf).filter((b) => b.type === 'trun')) {
      const r = trun.start + trun.headerSize;
      const rflags = buf.readUInt32BE(r) & 0xffffff;
      const count = buf.readUInt32BE(r + 4);
      let q = r + 8;
      if (rflags & 0x1) q += 4;
      if (rflags & 0x4) q += 4;
      for (let i = 0; i < count; i++) {
        if (rflags & 0x100) q += 4;
        if (rflags & 0x200) {
          sizes.push(buf.readUInt32BE(q));
          q += 4;
        } else sizes.push(defaultSize);
        if (rflags & 0x400) q += 4;
        if (rflags & 0x800) q += 4;
      }
    }
  }
  return sizes.every((s) => s > 0) ? sizes : [];
}
