import { XMLParser } from 'fast-xml-parser';

/** What the pipeline reads from a server manifest (`.ism`, SMIL): its kind and its tracks. */
export interface ServerManifest {
  /** `head/meta name="formats"`: mp4, mp4-v2, fmp4, vod-fmp4, vod-cmaf, live-fmp4, ll-cmaf... */
  formats?: string;
  clientManifest?: string;
  tracks: Array<{
    kind: 'video' | 'audio' | 'textstream';
    src: string;
    bitrate?: number;
    language?: string;
  }>;
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });

function list<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Parses a `.ism`; throws when the text is not a SMIL server manifest. */
export function parseServerManifest(xml: string): ServerManifest {
  const doc = parser.parse(xml) as Record<string, unknown>;
  const smil = doc.smil as Record<string, unknown> | undefined;
  if (!smil || typeof smil !== 'object') throw new Error('not a SMIL server manifest');
  const head = (smil.head ?? {}) as Record<string, unknown>;
  const metas = list(head.meta as Record<string, string> | Array<Record<string, string>>);
  const meta = (name: string) => metas.find((m) => m.name === name)?.content;
  const body = (smil.body ?? {}) as Record<string, unknown>;
  const sw = (body.switch ?? {}) as Record<string, unknown>;
  const tracks: ServerManifest['tracks'] = [];
  for (const kind of ['video', 'audio', 'textstream'] as const) {
    for (const t of list(sw[kind] as Record<string, string> | Array<Record<string, string>>)) {
      if (!t?.src) continue;
      const bitrate = Number(t.systemBitrate);
      tracks.push({
        kind,
        src: t.src,
        bitrate: Number.isFinite(bitrate) ? bitrate : undefined,
        language: t.systemLanguage,
      });
    }
  }
  return { formats: meta('formats'), clientManifest: meta('clientManifestRelativePath'), tracks };
}

/** Whether the `.ism` describes an archive that is still being recorded. */
export function isLiveManifest(manifest: ServerManifest): boolean {
  return manifest.formats === 'live-fmp4' || manifest.formats === 'll-cmaf';
}
