import type { StreamingPolicy } from '@azure/arm-mediaservices';

/**
 * Streaming policies as the pipeline needs them: whether a locator under a policy has content keys,
 * and which protocols and encryption schemes its paths have (to derive paths on a read-only
 * account the way listPaths would list them).
 */

export type EncryptionScheme =
  'NoEncryption' | 'EnvelopeEncryption' | 'CommonEncryptionCenc' | 'CommonEncryptionCbcs';

export interface Protocols {
  hls: boolean;
  dash: boolean;
  smoothStreaming: boolean;
  download: boolean;
}

export interface PolicySection {
  scheme: EncryptionScheme;
  protocols: Protocols;
}

const ALL: Protocols = { hls: true, dash: true, smoothStreaming: true, download: false };
const CENC: Protocols = { hls: false, dash: true, smoothStreaming: true, download: false };

/** The built-in policies (AMS does not list them). */
const PREDEFINED: Record<string, PolicySection[]> = {
  predefined_downloadonly: [
    {
      scheme: 'NoEncryption',
      protocols: { hls: false, dash: false, smoothStreaming: false, download: true },
    },
  ],
  predefined_clearstreamingonly: [{ scheme: 'NoEncryption', protocols: ALL }],
  predefined_downloadandclearstreaming: [
    { scheme: 'NoEncryption', protocols: { ...ALL, download: true } },
  ],
  predefined_clearkey: [{ scheme: 'EnvelopeEncryption', protocols: ALL }],
  predefined_multidrmcencstreaming: [{ scheme: 'CommonEncryptionCenc', protocols: CENC }],
  predefined_multidrmstreaming: [
    { scheme: 'CommonEncryptionCenc', protocols: CENC },
    {
      scheme: 'CommonEncryptionCbcs',
      protocols: { hls: true, dash: false, smoothStreaming: false, download: false },
    },
  ],
};

type EnabledProtocols = {
  hls?: boolean;
  dash?: boolean;
  smoothStreaming?: boolean;
  download?: boolean;
};
type Section = { enabledProtocols?: EnabledProtocols } | undefined;

/** The sections of a listed policy (a snapshot record or an SDK model). */
export function sectionsOf(policy: Partial<StreamingPolicy>): PolicySection[] {
  const out: PolicySection[] = [];
  const add = (scheme: EncryptionScheme, section: Section) => {
    if (!section) return;
    const p = section.enabledProtocols ?? {};
    out.push({
      scheme,
      protocols: {
        hls: Boolean(p.hls),
        dash: Boolean(p.dash),
        smoothStreaming: Boolean(p.smoothStreaming),
        download: Boolean(p.download),
      },
    });
  };
  add('NoEncryption', policy.noEncryption as Section);
  add('EnvelopeEncryption', policy.envelopeEncryption as Section);
  add('CommonEncryptionCenc', policy.commonEncryptionCenc as Section);
  add('CommonEncryptionCbcs', policy.commonEncryptionCbcs as Section);
  return out;
}

export function isEncryptingPolicy(policy: Partial<StreamingPolicy>): boolean {
  return sectionsOf(policy).some((s) => s.scheme !== 'NoEncryption');
}

/** A policy's sections by name: listed policies first, then the predefined ones. */
export function sectionsByName(
  name: string | undefined,
  listed: ReadonlyMap<string, PolicySection[]>,
): PolicySection[] | undefined {
  if (!name) return undefined;
  const key = name.toLowerCase();
  return listed.get(key) ?? PREDEFINED[key];
}

/** Whether a locator with this policy has content keys; `undefined` when the policy is unknown. */
export function policyEncrypts(
  name: string | undefined,
  listed: ReadonlyMap<string, PolicySection[]>,
): boolean | undefined {
  const sections = sectionsByName(name, listed);
  return sections ? sections.some((s) => s.scheme !== 'NoEncryption') : undefined;
}
