import { attr, element, elements, parseXml } from './xml';

/**
 * The Smooth Streaming client manifest (`.ismc`): per stream, the list of fragments as `c` entries
 * (`t` start, `d` duration, `r` repeat count). A live archive's fragment blobs are named by these
 * start times, so this list is what says which fragments exist and which are missing.
 */

export interface IsmcChunk {
  /** Start time in the stream's timescale. */
  time: number;
  duration: number;
}

export interface IsmcStream {
  type: string;
  name?: string;
  language?: string;
  subtype?: string;
  timescale: number;
  chunks: IsmcChunk[];
}

export interface IsmcManifest {
  timescale: number;
  duration?: number;
  isLive: boolean;
  streams: IsmcStream[];
}

function int(value: string | undefined, what: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`.ismc ${what} is not a whole number: "${value}"`);
  return n;
}

export function parseIsmc(text: string): IsmcManifest {
  const root = element(parseXml(text, 'the .ismc manifest'), 'SmoothStreamingMedia');
  if (!root) throw new Error('the .ismc manifest has no <SmoothStreamingMedia> root');
  const timescale = int(attr(root, 'TimeScale'), 'TimeScale') ?? 10_000_000;
  const streams = elements(root, 'StreamIndex').map((s): IsmcStream => {
    const chunks: IsmcChunk[] = [];
    let next = 0;
    for (const c of elements(s, 'c')) {
      const t = int(attr(c, 't'), 'c@t');
      const d = int(attr(c, 'd'), 'c@d');
      const r = int(attr(c, 'r'), 'c@r') ?? 1;
      let time = t ?? next;
      if (d === undefined) {
        // Without a duration the next chunk's start closes this one: fix it up below.
        chunks.push({ time, duration: -1 });
        next = time;
        continue;
      }
      for (let i = 0; i < Math.max(1, r); i++) {
        chunks.push({ time, duration: d });
        time += d;
      }
      next = time;
    }
    for (let i = 0; i < chunks.length; i++) {
      const chunk = chunks[i]!;
      if (chunk.duration < 0) chunk.duration = (chunks[i + 1]?.time ?? chunk.time) - chunk.time;
    }
    return {
      type: (attr(s, 'Type') ?? '').toLowerCase(),
      name: attr(s, 'Name'),
      language: attr(s, 'Language'),
      subtype: attr(s, 'Subtype'),
      timescale: int(attr(s, 'TimeScale'), 'TimeScale') ?? timescale,
      chunks,
    };
  });
  return {
    timescale,
    duration: int(attr(root, 'Duration'), 'Duration'),
    isLive: (attr(root, 'IsLive') ?? '').toUpperCase() === 'TRUE',
    streams,
  };
}
