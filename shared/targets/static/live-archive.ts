import { open } from 'node:fs/promises';
import type { ContainerClient } from '@azure/storage-blob';
import type { IsmTrack } from '../../media/ism';
import type { IsmcManifest, IsmcStream } from '../../media/ismc';
import { ttmlSamples, parseTtml, toWebVtt, type Cue } from '../../media/ttml';
import { childBoxes, parseMoov } from '../../media/mp4';
import { ensureDecodeTime } from '../../media/fragments';
import { downloadSmall, inParallel, type BlobEntry, type Decryption } from './transfer';

/**
 * Rebuilds a live-archive track from its fragment blobs: `{src}/header` (ftyp+moov) followed by the
 * fragments the `.ismc` lists for the track's stream, in time order. A fragment the manifest lists
 * but storage lacks is a recorded gap; fragments are fetched a few at a time and appended in
 * order, so memory holds only a few fragments.
 */

export interface Gap {
  track: string;
  time: number;
  duration: number;
  timescale: number;
}

export interface RebuiltTrack {
  gaps: Gap[];
  fragments: number;
  bytes: number;
}

/** The `.ismc` stream of an `.ism` track: by trackName, else by type and position. */
export function streamFor(
  track: IsmTrack,
  ismc: IsmcManifest | undefined,
  position: number,
): IsmcStream | undefined {
  if (!ismc) return undefined;
  const type = track.type === 'text' ? 'text' : track.type;
  if (track.trackName) {
    const named = ismc.streams.find((s) => s.name === track.trackName);
    if (named) return named;
  }
  return ismc.streams.filter((s) => s.type === type)[position];
}

/** Fragment start times for a track: from the .ismc when there is one, else the blobs present. */
function fragmentPlan(
  src: string,
  blobs: Map<string, BlobEntry>,
  stream: IsmcStream | undefined,
): Array<{ time: number; duration: number }> {
  if (stream) return stream.chunks;
  const prefix = `${src}/`;
  return [...blobs.keys()]
    .filter((n) => n.startsWith(prefix) && /^\d+$/.test(n.slice(prefix.length)))
    .map((n) => ({ time: Number(n.slice(prefix.length)), duration: 0 }))
    .sort((a, b) => a.time - b.time);
}

export async function rebuildTrack(
  container: ContainerClient,
  track: IsmTrack,
  stream: IsmcStream | undefined,
  blobs: Map<string, BlobEntry>,
  target: string,
  parallel: number,
  decryption?: (name: string) => Decryption | undefined,
): Promise<RebuiltTrack> {
  const headerName = `${track.src}/header`;
  if (!blobs.has(headerName)) throw new Error(`live archive track ${track.src} has no header blob`);
  const plan = fragmentPlan(track.src, blobs, stream);
  const handle = await open(target, 'w');
  const gaps: Gap[] = [];
  let bytes = 0;
  let fragments = 0;
  try {
    const header = await downloadSmall(
      container.getBlobClient(headerName),
      decryption?.(headerName),
    );
    await handle.write(header);
    bytes += header.length;
    const moov = childBoxes(header).find((b) => b.type === 'moov');
    if (!moov) throw new Error(`live archive track ${track.src} has a header without moov`);
    const trackTimescale = parseMoov(header, moov).tracks[0]?.timescale ?? 10_000_000;
    const streamTimescale = stream?.timescale ?? trackTimescale;
    // Fetch a window of fragments in parallel, append them in order.
    for (let i = 0; i < plan.length; i += parallel) {
      const window = plan.slice(i, i + parallel);
      const data: Array<Buffer | undefined> = new Array(window.length);
      await inParallel(window, parallel, async (chunk, j) => {
        const name = `${track.src}/${chunk.time}`;
        if (!blobs.has(name)) return;
        data[j] = await downloadSmall(container.getBlobClient(name), decryption?.(name));
      });
      for (let j = 0; j < window.length; j++) {
        const chunk = window[j]!;
        const fragment = data[j];
        if (!fragment) {
          gaps.push({
            track: track.src,
            time: chunk.time,
            duration: chunk.duration,
            timescale: stream?.timescale ?? 10_000_000,
          });
          continue;
        }
        if (!childBoxes(fragment).some((b) => b.type === 'moof')) {
          throw new Error(`fragment ${track.src}/${chunk.time} holds no moof box`);
        }
        // Without a decode time, the packager would close the gap a missing fragment leaves.
        const timed = ensureDecodeTime(
          fragment,
          Math.round((chunk.time * trackTimescale) / streamTimescale),
        );
        await handle.write(timed);
        bytes += fragment.length;
        fragments += 1;
      }
    }
  } finally {
    await handle.close();
  }
  if (!fragments) throw new Error(`live archive track ${track.src} has no fragment in storage`);
  return { gaps, fragments, bytes };
}

/**
 * A TTML (stpp) live-archive text track as WebVTT: the TTML document of each fragment, parsed and
 * joined. Text tracks are small, so fragments are read into memory.
 */
export async function rebuildTtmlAsWebVtt(
  container: ContainerClient,
  track: IsmTrack,
  stream: IsmcStream | undefined,
  blobs: Map<string, BlobEntry>,
  decryption?: (name: string) => Decryption | undefined,
): Promise<{ vtt: string; cues: number; gaps: Gap[] }> {
  const headerName = `${track.src}/header`;
  if (!blobs.has(headerName)) throw new Error(`live archive track ${track.src} has no header blob`);
  const header = await downloadSmall(container.getBlobClient(headerName), decryption?.(headerName));
  const fragments: Buffer[] = [];
  const gaps: Gap[] = [];
  for (const chunk of fragmentPlan(track.src, blobs, stream)) {
    const name = `${track.src}/${chunk.time}`;
    if (!blobs.has(name)) {
      gaps.push({
        track: track.src,
        time: chunk.time,
        duration: chunk.duration,
        timescale: stream?.timescale ?? 10_000_000,
      });
      continue;
    }
    fragments.push(await downloadSmall(container.getBlobClient(name), decryption?.(name)));
  }
  const cues: Cue[] = ttmlSamples(header, fragments).flatMap((doc) => parseTtml(doc));
  return { vtt: toWebVtt(cues), cues: cues.length, gaps };
}
