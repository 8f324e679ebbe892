/**
 * The predefined streaming policies and how a policy turns into listPaths entries and generated
 * content keys. Custom policies use the same model (`noEncryption`, `envelopeEncryption`,
 * `commonEncryptionCenc`, `commonEncryptionCbcs`, each with `enabledProtocols`).
 */
type Json = Record<string, unknown>;

const all = { download: false, dash: true, hls: true, smoothStreaming: true };

export const PREDEFINED_STREAMING_POLICIES: Record<string, Json> = {
  Predefined_DownloadOnly: {
    noEncryption: {
      enabledProtocols: { download: true, dash: false, hls: false, smoothStreaming: false },
    },
  },
  Predefined_ClearStreamingOnly: { noEncryption: { enabledProtocols: all } },
  Predefined_DownloadAndClearStreaming: {
    noEncryption: { enabledProtocols: { ...all, download: true } },
  },
  Predefined_ClearKey: {
    envelopeEncryption: {
      enabledProtocols: all,
      clearTracks: [],
      contentKeys: { defaultKey: { label: 'aesDefaultKey' }, keyToTrackMappings: [] },
    },
  },
  Predefined_MultiDrmCencStreaming: {
    commonEncryptionCenc: {
      enabledProtocols: { download: false, dash: true, hls: false, smoothStreaming: true },
      clearTracks: [],
      contentKeys: { defaultKey: { label: 'cencDefaultKey' }, keyToTrackMappings: [] },
      drm: { playReady: {}, widevine: {} },
    },
  },
  Predefined_MultiDrmStreaming: {
    commonEncryptionCenc: {
      enabledProtocols: { download: false, dash: true, hls: false, smoothStreaming: true },
      clearTracks: [],
      contentKeys: { defaultKey: { label: 'cencDefaultKey' }, keyToTrackMappings: [] },
      drm: { playReady: {}, widevine: {} },
    },
    commonEncryptionCbcs: {
      enabledProtocols: { download: false, dash: false, hls: true, smoothStreaming: false },
      clearTracks: [],
      contentKeys: { defaultKey: { label: 'cbcsDefaultKey' }, keyToTrackMappings: [] },
      drm: { fairPlay: { allowPersistentLicense: false } },
    },
  },
};

export function predefinedPolicy(name: string): [string, Json] | undefined {
  const entry = Object.entries(PREDEFINED_STREAMING_POLICIES).find(
    ([n]) => n.toLowerCase() === name.toLowerCase(),
  );
  return entry;
}

interface Section {
  scheme: 'NoEncryption' | 'EnvelopeEncryption' | 'CommonEncryptionCenc' | 'CommonEncryptionCbcs';
  keyType?: string;
  defaultLabel?: string;
  protocols: { download: boolean; dash: boolean; hls: boolean; smoothStreaming: boolean };
  defaultPolicyName?: string;
}

const SECTIONS = [
  ['noEncryption', 'NoEncryption', undefined, undefined],
  ['envelopeEncryption', 'EnvelopeEncryption', 'EnvelopeEncryption', 'aesDefaultKey'],
  ['commonEncryptionCenc', 'CommonEncryptionCenc', 'CommonEncryptionCenc', 'cencDefaultKey'],
  ['commonEncryptionCbcs', 'CommonEncryptionCbcs', 'CommonEncryptionCbcs', 'cbcsDefaultKey'],
] as const;

export function policySections(policy: Json): Section[] {
  const out: Section[] = [];
  for (const [prop, scheme, keyType, label] of SECTIONS) {
    const section = policy[prop] as Json | undefined;
    if (!section) continue;
    const p = (section.enabledProtocols ?? {}) as Record<string, boolean>;
    const keys = (section.contentKeys ?? {}) as Json;
    const defaultKey = (keys.defaultKey ?? {}) as Json;
    out.push({
      scheme,
      keyType,
      defaultLabel: (defaultKey.label as string | undefined) ?? label,
      defaultPolicyName: defaultKey.policyName as string | undefined,
      protocols: {
        download: Boolean(p.download),
        dash: Boolean(p.dash),
        hls: Boolean(p.hls),
        smoothStreaming: Boolean(p.smoothStreaming),
      },
    });
  }
  return out;
}

const ENCRYPTION_OPTION: Record<string, string | undefined> = {
  NoEncryption: undefined,
  EnvelopeEncryption: 'encryption=cbc',
  CommonEncryptionCenc: 'encryption=cenc',
  CommonEncryptionCbcs: 'encryption=cbcs-aapl',
};

export interface StreamingPath {
  streamingProtocol: 'Hls' | 'Dash' | 'SmoothStreaming';
  encryptionScheme: string;
  paths: string[];
}

/** listPaths for one locator: streaming paths per protocol and scheme, download paths per file. */
export function computePaths(
  policy: Json,
  locatorId: string,
  manifests: string[],
  files: string[],
): { streamingPaths: StreamingPath[]; downloadPaths: string[] } {
  const streamingPaths: StreamingPath[] = [];
  let download = false;
  const enc = (s: string) => encodeURIComponent(s).replace(/%2F/g, '/');
  for (const section of policySections(policy)) {
    if (section.protocols.download) download = true;
    if (manifests.length === 0) continue;
    const option = ENCRYPTION_OPTION[section.scheme];
    const path = (manifest: string, format?: string) => {
      const opts = [format, option].filter(Boolean).join(',');
      return `/${locatorId}/${enc(manifest)}/manifest${opts ? `(${opts})` : ''}`;
    };
    const add = (streamingProtocol: StreamingPath['streamingProtocol'], format?: string) =>
      streamingPaths.push({
        streamingProtocol,
        encryptionScheme: section.scheme,
        paths: manifests.map((m) => path(m, format)),
      });
    if (section.protocols.hls) add('Hls', 'format=m3u8-aapl');
    if (section.protocols.dash) add('Dash', 'format=mpd-time-csf');
    if (section.protocols.smoothStreaming) add('SmoothStreaming');
  }
  const downloadPaths = download ? files.map((f) => `/${locatorId}/${enc(f)}`) : [];
  return { streamingPaths, downloadPaths };
}
