import type { EndpointRecord } from '../snapshot/records';

export type HostKind = 'origin' | 'cdn' | 'custom';

export interface StreamingHost {
  host: string;
  kind: HostKind;
  endpoint: string;
}

/**
 * Every host an old URL can have: each streaming endpoint's `hostName` (served through the CDN
 * when the endpoint has CDN enabled, so marked `cdn`) and its custom host names.
 */
export function streamingHosts(endpoints: EndpointRecord[]): StreamingHost[] {
  const seen = new Set<string>();
  const out: StreamingHost[] = [];
  const add = (host: string | undefined, kind: HostKind, endpoint: string) => {
    const h = host?.trim().toLowerCase();
    if (!h || seen.has(h)) return;
    seen.add(h);
    out.push({ host: h, kind, endpoint });
  };
  for (const e of endpoints) {
    add(e.hostName, e.cdnEnabled ? 'cdn' : 'origin', e.name);
    for (const custom of e.customHostNames ?? []) add(custom, 'custom', e.name);
  }
  return out;
}
