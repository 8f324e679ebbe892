import type { IsmManifest } from '../../media/ism';

/**
 * What kind of asset a container holds, from its `.ism` `formats` value and its files, and for the
 * kinds that cannot be migrated, why not.
 */

export type AssetKind =
  | 'encoded' // encoder output: formats mp4, mp4-v2, mp4-v3
  | 'smooth' // Smooth .ismv/.isma: formats fmp4 or no value
  | 'live-archive' // finished live archive: vod-fmp4, vod-cmaf
  | 'live' // still live: live-fmp4, ll-cmaf
  | 'non-streamable' // no .ism: copied as is
  | 'empty'
  | 'missing'
  | 'unknown';

export interface Classification {
  kind: AssetKind;
  /** Set when the asset cannot be migrated. */
  unmigratable?: string;
}

export function kindOfFormats(formats: string | undefined): AssetKind {
  if (formats === undefined || formats === '' || formats === 'fmp4') return 'smooth';
  if (/^mp4(-v\d+)?$/.test(formats)) return 'encoded';
  if (formats === 'vod-fmp4' || formats === 'vod-cmaf') return 'live-archive';
  if (formats === 'live-fmp4' || formats === 'll-cmaf') return 'live';
  return 'unknown';
}

/** Classifies from the container's state, its blob names and (if there is one) the parsed .ism. */
export function classify(input: {
  containerExists: boolean;
  blobNames: string[];
  ism?: IsmManifest;
}): Classification {
  if (!input.containerExists)
    return { kind: 'missing', unmigratable: 'the asset container does not exist' };
  if (!input.blobNames.length)
    return { kind: 'empty', unmigratable: 'the asset container is empty' };
  if (!input.ism) return { kind: 'non-streamable' };
  const kind = kindOfFormats(input.ism.formats);
  if (kind === 'live') {
    return {
      kind,
      unmigratable: `the asset is still being recorded (formats ${input.ism.formats}): stop its live output, then migrate the archive`,
    };
  }
  if (kind === 'unknown')
    return { kind, unmigratable: `unknown .ism formats value "${input.ism.formats}"` };
  if (!input.ism.tracks.length) return { kind, unmigratable: 'the .ism lists no tracks' };
  return { kind };
}

/** The server manifest of a container: the root `.ism` files, the one named like the asset first. */
export function pickIsm(blobNames: string[]): { name?: string; others: string[] } {
  const isms = blobNames.filter((n) => !n.includes('/') && /\.ism$/i.test(n)).sort();
  return { name: isms[0], others: isms.slice(1) };
}
