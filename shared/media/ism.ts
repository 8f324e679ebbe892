import { attr, element, elements, parseXml, type XmlNode } from './xml';

/**
 * The `.ism` server manifest (SMIL 2.0) AMS wrote beside every streamable asset: its `formats`
 * value says what kind of asset it is, and each `switch` child names one track's source file (or,
 * in live archives, the folder of its fragment blobs).
 */

export type IsmTrackType = 'video' | 'audio' | 'text';

export interface IsmTrack {
  type: IsmTrackType;
  src: string;
  bitrate?: number;
  language?: string;
  /** The `trackID` param: the track within `src` (1-based MP4 track id). */
  trackId?: number;
  trackName?: string;
}

export interface IsmManifest {
  /** The `formats` meta value, lower-cased; undefined when absent (Smooth). */
  formats?: string;
  clientManifest?: string;
  tracks: IsmTrack[];
}

const TYPES: Record<string, IsmTrackType> = {
  video: 'video',
  audio: 'audio',
  textstream: 'text',
  text: 'text',
};

function params(node: XmlNode): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of elements(node, 'param')) {
    const name = attr(p, 'name');
    const value = attr(p, 'value');
    if (name && value !== undefined) out.set(name, value);
  }
  return out;
}

function positiveInt(value: string | undefined, what: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what} is not a whole number: "${value}"`);
  return n;
}

export function parseIsm(text: string): IsmManifest {
  const root = element(parseXml(text, 'the .ism manifest'), 'smil');
  if (!root) throw new Error('the .ism manifest has no <smil> root');
  const metas = elements(element(root, 'head'), 'meta');
  const meta = (name: string) =>
    attr(
      metas.find((m) => attr(m, 'name') === name),
      'content',
    );
  const formats = meta('formats')?.trim().toLowerCase() || undefined;
  const tracks: IsmTrack[] = [];
  for (const sw of elements(element(root, 'body'), 'switch')) {
    for (const [tag, type] of Object.entries(TYPES)) {
      for (const node of elements(sw, tag)) {
        const src = attr(node, 'src');
        if (!src) throw new Error(`an .ism <${tag}> has no src`);
        const p = params(node);
        tracks.push({
          type,
          src,
          bitrate: positiveInt(attr(node, 'systemBitrate'), `systemBitrate of ${src}`),
          language: attr(node, 'systemLanguage') || undefined,
          trackId: positiveInt(p.get('trackID'), `trackID of ${src}`),
          trackName: p.get('trackName'),
        });
      }
    }
  }
  return { formats, clientManifest: meta('clientManifestRelativePath'), tracks };
}
