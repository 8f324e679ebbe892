import { stat, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseMpd } from '../../media/dash';
import { parseMasterPlaylist, parseMediaPlaylist } from '../../media/hls';
import { summarizeMp4File, type TrackSummary } from '../../media/mp4';

/**
 * Checks a packaged output folder without trusting the packager: the HLS master parses and every
 * variant names its CODECS, every playlist and file it references exists and byte ranges fall
 * inside their files, every DASH BaseURL exists, and per track the output MP4's sample count and
 * duration match the source track's.
 */

export interface ExpectedTrack {
  output: string;
  source: Pick<TrackSummary, 'sampleCount' | 'duration' | 'timescale'>;
}

export interface TrackCheck {
  output: string;
  sourceSamples: number;
  outputSamples: number;
  sourceSeconds: number;
  outputSeconds: number;
}

async function sizeOf(dir: string, name: string): Promise<number> {
  const info = await stat(join(dir, name)).catch(() => undefined);
  if (!info) throw new Error(`the output references ${name}, which does not exist`);
  return info.size;
}

export async function verifyHls(dir: string, master: string): Promise<string[]> {
  const parsed = parseMasterPlaylist(await readFile(join(dir, master), 'utf8'));
  if (!parsed.variants.length) throw new Error(`${master} has no variants`);
  const playlists = new Set<string>();
  for (const v of parsed.variants) {
    if (!v.codecs) throw new Error(`${master}: variant ${v.uri} has no CODECS`);
    if (!Number.isFinite(v.bandwidth))
      throw new Error(`${master}: variant ${v.uri} has no BANDWIDTH`);
    playlists.add(v.uri);
  }
  for (const r of parsed.renditions) if (r.uri) playlists.add(r.uri);
  const files = new Set<string>();
  for (const uri of playlists) {
    const media = parseMediaPlaylist(await readFile(join(dir, uri), 'utf8'));
    if (!media.endList) throw new Error(`${uri} has no EXT-X-ENDLIST`);
    const refs = [
      ...(media.map ? [{ uri: media.map.uri, byteRange: media.map.byteRange }] : []),
      ...media.segments,
    ];
    for (const ref of refs) {
      const size = await sizeOf(dir, ref.uri);
      if (ref.byteRange && ref.byteRange.offset + ref.byteRange.length > size) {
        throw new Error(`${uri}: a byte range of ${ref.uri} ends past the file`);
      }
      files.add(ref.uri);
    }
  }
  return [...playlists, ...files];
}

export async function verifyDash(dir: string, mpd: string): Promise<string[]> {
  const parsed = parseMpd(await readFile(join(dir, mpd), 'utf8'));
  const files: string[] = [];
  for (const period of parsed.periods) {
    for (const set of period.adaptationSets) {
      for (const rep of set.representations) {
        if (!rep.baseUrl) throw new Error(`${mpd}: representation ${rep.id} has no BaseURL`);
        const size = await sizeOf(dir, rep.baseUrl);
        for (const range of rep.segmentRanges ?? []) {
          const [from, to] = range.split('-').map(Number);
          if (!(from! >= 0 && to! >= from! && to! < size))
            throw new Error(`${mpd}: range ${range} of ${rep.baseUrl} is outside the file`);
        }
        files.push(rep.baseUrl);
      }
    }
  }
  if (!files.length) throw new Error(`${mpd} has no representations`);
  return files;
}

/** Output and source tracks agree on sample count exactly and on duration within one sample. */
export async function verifyTracks(dir: string, expected: ExpectedTrack[]): Promise<TrackCheck[]> {
  const checks: TrackCheck[] = [];
  for (const e of expected) {
    const tracks = await summarizeMp4File(join(dir, e.output));
    const out = tracks[0];
    if (tracks.length !== 1 || !out)
      throw new Error(`${e.output} has ${tracks.length} tracks, not 1`);
    const check: TrackCheck = {
      output: e.output,
      sourceSamples: e.source.sampleCount,
      outputSamples: out.sampleCount,
      sourceSeconds: e.source.duration / e.source.timescale,
      outputSeconds: out.duration / out.timescale,
    };
    if (check.sourceSamples !== check.outputSamples) {
      throw new Error(
        `${e.output} has ${check.outputSamples} samples, the source has ${check.sourceSamples}`,
      );
    }
    const oneSample = check.sourceSamples ? check.sourceSeconds / check.sourceSamples : 0;
    if (Math.abs(check.sourceSeconds - check.outputSeconds) > oneSample + 1e-6) {
      throw new Error(
        `${e.output} lasts ${check.outputSeconds.toFixed(3)} s, the source ${check.sourceSeconds.toFixed(3)} s`,
      );
    }
    checks.push(check);
  }
  return checks;
}
