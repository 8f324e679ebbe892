import { attr, element, elements, parseXml, type XmlNode } from './xml';

/**
 * DASH MPD parsing, enough to verify what the packager wrote: periods, adaptation sets and
 * representations with their BaseURL and SegmentBase ranges, and the presentation duration.
 */

export interface DashRepresentation {
  id: string;
  bandwidth: number;
  codecs?: string;
  mimeType?: string;
  baseUrl?: string;
  indexRange?: string;
  initRange?: string;
  width?: number;
  height?: number;
  /** SegmentList addressing: byte ranges and the timeline's total, in seconds. */
  segmentRanges?: string[];
  segmentListSeconds?: number;
}

export interface DashAdaptationSet {
  contentType?: string;
  mimeType?: string;
  lang?: string;
  representations: DashRepresentation[];
}

export interface DashManifest {
  type: string;
  /** mediaPresentationDuration in seconds. */
  duration?: number;
  periods: Array<{ id?: string; adaptationSets: DashAdaptationSet[] }>;
  /** ContentProtection schemes present anywhere. */
  protection: string[];
}

/** ISO 8601 duration (PT1H2M3.5S) in seconds. */
export function parseIsoDuration(value: string): number {
  const m =
    /^P(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(
      value.trim(),
    );
  if (!m) throw new Error(`not an ISO 8601 duration: "${value}"`);
  const [, d, h, min, s] = m;
  return Number(d ?? 0) * 86400 + Number(h ?? 0) * 3600 + Number(min ?? 0) * 60 + Number(s ?? 0);
}

function num(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}

function text(node: XmlNode | undefined): string | undefined {
  const value = node?.['#text'];
  return typeof value === 'string' ? value.trim() : undefined;
}

export function parseMpd(xml: string): DashManifest {
  const mpd = element(parseXml(xml, 'the DASH manifest'), 'MPD');
  if (!mpd) throw new Error('the DASH manifest has no <MPD> root');
  const protection = new Set<string>();
  const collect = (node: XmlNode) => {
    for (const cp of elements(node, 'ContentProtection'))
      protection.add(attr(cp, 'schemeIdUri') ?? '');
  };
  const duration = attr(mpd, 'mediaPresentationDuration');
  return {
    type: attr(mpd, 'type') ?? 'static',
    duration: duration ? parseIsoDuration(duration) : undefined,
    periods: elements(mpd, 'Period').map((period) => ({
      id: attr(period, 'id'),
      adaptationSets: elements(period, 'AdaptationSet').map((set) => {
        collect(set);
        return {
          contentType: attr(set, 'contentType'),
          mimeType: attr(set, 'mimeType'),
          lang: attr(set, 'lang'),
          representations: elements(set, 'Representation').map((rep) => {
            collect(rep);
            const base = element(rep, 'SegmentBase');
            const list = element(rep, 'SegmentList');
            const timeline = elements(element(list, 'SegmentTimeline'), 'S');
            const scale = Number(attr(list, 'timescale') ?? 1);
            return {
              id: attr(rep, 'id') ?? '',
              bandwidth: Number(attr(rep, 'bandwidth') ?? NaN),
              codecs: attr(rep, 'codecs') ?? attr(set, 'codecs'),
              mimeType: attr(rep, 'mimeType') ?? attr(set, 'mimeType'),
              baseUrl: text(element(rep, 'BaseURL')),
              indexRange: attr(base, 'indexRange'),
              initRange: attr(element(base, 'Initialization'), 'range'),
              width: num(attr(rep, 'width') ?? attr(set, 'width')),
              height: num(attr(rep, 'height') ?? attr(set, 'height')),
              ...(list
                ? {
                    segmentRanges: elements(list, 'SegmentURL').map(
                      (u) => attr(u, 'mediaRange') ?? '',
                    ),
                    segmentListSeconds:
                      timeline.reduce(
                        (sum, x) =>
                          sum + Number(attr(x, 'd') ?? 0) * (1 + Number(attr(x, 'r') ?? 0)),
                        0,
                      ) / scale,
                  }
                : {}),
            };
          }),
        };
      }),
    })),
    protection: [...protection],
  };
}
