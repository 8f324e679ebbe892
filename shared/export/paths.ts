import type { ContainerClient } from '@azure/storage-blob';
import type { EncryptionScheme, PolicySection } from '../snapshot/streaming-policy';
import { parseServerManifest } from './ism';

/** A locator's paths: as listPaths returned them, or derived from GET data and the `.ism`. */
export interface LocatorPaths {
  streamingPaths: Array<{
    streamingProtocol: 'Hls' | 'Dash' | 'SmoothStreaming';
    encryptionScheme: EncryptionScheme | string;
    paths: string[];
  }>;
  downloadPaths: string[];
  /** True when derived rather than listed by the service. */
  derived: boolean;
}

/** Files of the streaming package, not downloads. */
const NOT_DOWNLOADS = /(\.ism|\.ismc|_manifest\.json|_metadata\.json)$/i;

const ENCRYPTION_OPTION: Record<EncryptionScheme, string | undefined> = {
  NoEncryption: undefined,
  EnvelopeEncryption: 'encryption=cbc',
  CommonEncryptionCenc: 'encryption=cenc',
  CommonEncryptionCbcs: 'encryption=cbcs-aapl',
};

const segment = (s: string) => encodeURIComponent(s);

/**
 * Derives what listPaths would answer for a locator: for each policy section, each protocol it
 * enables and each valid server manifest, the manifest path; each root file for downloads.
 */
export function derivePaths(input: {
  streamingLocatorId: string;
  sections: PolicySection[];
  manifests: string[];
  files: string[];
}): LocatorPaths {
  const streamingPaths: LocatorPaths['streamingPaths'] = [];
  let download = false;
  for (const section of input.sections) {
    download ||= section.protocols.download;
    if (!input.manifests.length) continue;
    const path = (manifest: string, format?: string) => {
      const options = [format, ENCRYPTION_OPTION[section.scheme]].filter(Boolean).join(',');
      return `/${input.streamingLocatorId}/${segment(manifest)}/manifest${options ? `(${options})` : ''}`;
    };
    const add = (streamingProtocol: 'Hls' | 'Dash' | 'SmoothStreaming', format?: string) =>
      streamingPaths.push({
        streamingProtocol,
        encryptionScheme: section.scheme,
        paths: input.manifests.map((m) => path(m, format)),
      });
    if (section.protocols.hls) add('Hls', 'format=m3u8-aapl');
    if (section.protocols.dash) add('Dash', 'format=mpd-time-csf');
    if (section.protocols.smoothStreaming) add('SmoothStreaming');
  }
  const downloadPaths = download
    ? input.files
        .filter((f) => !NOT_DOWNLOADS.test(f))
        .map((f) => `/${input.streamingLocatorId}/${segment(f)}`)
    : [];
  return { streamingPaths, downloadPaths, derived: true };
}

export interface AssetFiles {
  /** Root `.ism` files that parse as server manifests. */
  manifests: string[];
  /** Every root file. */
  files: string[];
  /** `.ism` files that do not parse (reported, not streamable). */
  invalidManifests: string[];
  /** The container does not exist. */
  missing: boolean;
}

/** Lists an asset container's root files and validates its server manifests. */
export async function readAssetFiles(container: ContainerClient): Promise<AssetFiles> {
  const out: AssetFiles = { manifests: [], files: [], invalidManifests: [], missing: false };
  try {
    for await (const item of container.listBlobsByHierarchy('/')) {
      if (item.kind === 'prefix') continue;
      out.files.push(item.name);
      if (!/\.ism$/i.test(item.name)) continue;
      const text = (await container.getBlobClient(item.name).downloadToBuffer()).toString('utf8');
      try {
        parseServerManifest(text);
        out.manifests.push(item.name);
      } catch {
        out.invalidManifests.push(item.name);
      }
    }
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return { ...out, missing: true };
    throw error;
  }
  return out;
}
