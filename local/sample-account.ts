import type { SeedDescription } from '../emulators/ams';
import { formatAccountId } from '../shared/account-id';

/**
 * The demo's sample account: a few hundred assets with clear, AES and multi-DRM locators, asset
 * and account filters, two streaming endpoints with CDN, encoder and analyzer transforms with jobs
 * (the emulator's generator makes them), and real small media in the first few containers. It
 * expires soon, so the whole window is worth watching.
 */
export const SAMPLE_SUBSCRIPTION = '5a3e7c1d-0000-4000-8000-00000000d3e0';
export const SAMPLE_RESOURCE_GROUP = 'media-prod';
export const SAMPLE_ACCOUNT = 'contosomedia';
export const SAMPLE_STORAGE_ACCOUNT = 'contosomediastore';

export function sampleAccountId(): string {
  return formatAccountId({
    subscriptionId: SAMPLE_SUBSCRIPTION,
    resourceGroup: SAMPLE_RESOURCE_GROUP,
    accountName: SAMPLE_ACCOUNT,
  });
}

export interface SampleOptions {
  /** Now, on the emulator's clock (ms). */
  now: number;
  /** Days until the account turns read-only. */
  expiresInDays?: number;
  assets?: number;
}

export function sampleSeed(options: SampleOptions): SeedDescription {
  const expires = options.now + (options.expiresInDays ?? 21) * 24 * 3_600_000;
  return {
    accounts: [
      {
        subscriptionId: SAMPLE_SUBSCRIPTION,
        resourceGroup: SAMPLE_RESOURCE_GROUP,
        name: SAMPLE_ACCOUNT,
        location: 'westeurope',
        retirementDate: new Date(expires).toISOString(),
        storageAccounts: [SAMPLE_STORAGE_ACCOUNT],
        generate: {
          assets: options.assets ?? 300,
          realMediaAssets: 3,
          mix: { clear: 0.5, aes: 0.25, drm: 0.25 },
          locatorsPerAsset: 1,
          assetFilterEvery: 20,
          accountFilters: 2,
          jobsPerTransform: 2,
          liveEvents: 1,
          streamingEndpoints: 2,
          containers: 'all',
          awkwardNames: true,
          concurrency: 16,
        },
      },
    ],
  };
}
