import type { StreamingPolicy } from '@azure/arm-mediaservices';

/** The built-in policies AMS does not list, and whether they encrypt. */
const PREDEFINED_ENCRYPTED: Record<string, boolean> = {
  predefined_clearstreamingonly: false,
  predefined_downloadandclearstreaming: false,
  predefined_downloadonly: false,
  predefined_clearkey: true,
  predefined_multidrmcencstreaming: true,
  predefined_multidrmstreaming: true,
};

export function isEncryptingPolicy(policy: StreamingPolicy): boolean {
  return Boolean(
    policy.envelopeEncryption || policy.commonEncryptionCenc || policy.commonEncryptionCbcs,
  );
}

/** Whether a locator with this policy has content keys; `undefined` when the policy is unknown. */
export function policyEncrypts(
  policyName: string | undefined,
  known: ReadonlyMap<string, boolean>,
): boolean | undefined {
  if (!policyName) return undefined;
  const key = policyName.toLowerCase();
  return known.get(key) ?? PREDEFINED_ENCRYPTED[key];
}

/** Streaming protocols a predefined or listed policy enables (for deriving paths). */
export interface PolicyProtocols {
  hls: boolean;
  dash: boolean;
  smooth: boolean;
  download: boolean;
}

const ALL: PolicyProtocols = { hls: true, dash: true, smooth: true, download: false };

export function predefinedProtocols(name: string): PolicyProtocols | undefined {
  switch (name.toLowerCase()) {
    case 'predefined_clearstreamingonly':
    case 'predefined_clearkey':
    case 'predefined_multidrmcencstreaming':
      return ALL;
    case 'predefined_multidrmstreaming':
      return ALL;
    case 'predefined_downloadandclearstreaming':
      return { ...ALL, download: true };
    case 'predefined_downloadonly':
      return { hls: false, dash: false, smooth: false, download: true };
    default:
      return undefined;
  }
}

/** The protocols a listed policy enables (union over its encryption sections). */
export function policyProtocols(policy: StreamingPolicy): PolicyProtocols {
  const out: PolicyProtocols = { hls: false, dash: false, smooth: false, download: false };
  const sections = [
    policy.noEncryption?.enabledProtocols,
    policy.envelopeEncryption?.enabledProtocols,
    policy.commonEncryptionCenc?.enabledProtocols,
    policy.commonEncryptionCbcs?.enabledProtocols,
  ];
  for (const p of sections) {
    if (!p) continue;
    out.hls ||= p.hls;
    out.dash ||= p.dash;
    out.smooth ||= p.smoothStreaming;
    out.download ||= p.download;
  }
  return out;
}
