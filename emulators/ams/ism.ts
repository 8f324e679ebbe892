import { XMLParser } from 'fast-xml-parser';

/** What listPaths needs from a server manifest (.ism): its format and its track sources. */
export interface ServerManifest {
  formats?: string;
  sources: string[];
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' });

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/** Parses the SMIL of a `.ism`; throws on anything that is not one. */
export function parseServerManifest(xml: string): ServerManifest {
  const doc = parser.parse(xml) as Record<string, unknown>;
  const smil = doc.smil as Record<string, unknown> | undefined;
  if (!smil) throw new Error('not a SMIL server manifest');
  const head = (smil.head ?? {}) as Record<string, unknown>;
  const metas = asArray(head.meta as Record<string, string> | Record<string, string>[]);
  const formats = metas.find((m) => m.name === 'formats')?.content;
  const body = (smil.body ?? {}) as Record<string, unknown>;
  const sw = (body.switch ?? {}) as Record<string, unknown>;
  const sources: string[] = [];
  for (const kind of ['video', 'audio', 'textstream']) {
    for (const track of asArray(sw[kind] as Record<string, string> | Record<string, string>[])) {
      if (track.src) sources.push(track.src);
    }
  }
  return { formats, sources };
}
