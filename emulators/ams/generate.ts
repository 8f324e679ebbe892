import { randomBytes, randomUUID } from 'node:crypto';
import type { Json } from './context';
import type { AmsCore } from './core';
import { childCollection, collectionOf, type Account, type Res } from './state';
import { typeByKey, indexLocator } from './types';
import { sampleMedia, writeFiles } from './seed';
import { assetContainer, assetStorageAccount } from './asset-actions';

/**
 * A large account, generated: N assets with locators under clear, AES and DRM policies, content
 * keys, asset and account filters, transforms (encoder and analyzer presets) with jobs, live
 * events with outputs, and streaming endpoints (one with CDN). Resources are made directly in
 * compact form (no per-resource validation) so that 200,000 assets seed in seconds.
 */
export interface GenerateOptions {
  assets: number;
  /** Asset name prefix (default `asset-`). */
  prefix?: string;
  /** Assets whose container gets the committed sample media (default 3). */
  realMediaAssets?: number;
  /** Fractions of locators that are clear / AES / multi-DRM (default 0.6 / 0.2 / 0.2). */
  mix?: { clear: number; aes: number; drm: number };
  locatorsPerAsset?: number;
  /** Every Nth asset gets an asset filter (default 50; 0 for none). */
  assetFilterEvery?: number;
  accountFilters?: number;
  jobsPerTransform?: number;
  liveEvents?: number;
  streamingEndpoints?: number;
  /**
   * Which containers are written to storage: `all` (real media for the first few, a synthetic
   * `.ism` and `.mp4` for the rest), `real` (only the real-media assets: for benchmarks, where
   * writing 200,000 containers into Azurite would dominate), or `none`.
   */
  containers?: 'all' | 'real' | 'none';
  /** Include awkward names (spaces, commas, unicode, 260 characters) in assets and blobs (default true). */
  awkwardNames?: boolean;
  /** Earliest `created` (ISO); assets are spread from it to now. Default 2019-01-01. */
  createdFrom?: string;
  /** Parallel storage writes (default 16). */
  concurrency?: number;
}

export interface GenerateReport {
  assets: number;
  locators: number;
  contentKeys: number;
  containersWritten: number;
  realMediaAssets: string[];
  awkwardAssets: string[];
  /** Assets per storage kind (see `kindOf`). */
  kinds: Record<string, number>;
}

/**
 * The kind of each synthetic asset, by position: most are encoder output (mp4 + .ism), some
 * Smooth (.ismv/.isma), some finished live archives (vod-fmp4: per-track folders with a header
 * and fragments, one fragment missing), some have no .ism (not streamable), some are v2
 * storage-encrypted.
 */
export type AssetKind =
  'sample' | 'mp4' | 'smooth' | 'live-archive' | 'no-manifest' | 'storage-encrypted';

export function kindOf(i: number, realCount: number): AssetKind {
  if (i < realCount) return 'sample';
  const k = (i - realCount) % 20;
  return k < 14
    ? 'mp4'
    : k < 16
      ? 'smooth'
      : k < 18
        ? 'live-archive'
        : k === 18
          ? 'no-manifest'
          : 'storage-encrypted';
}

const SMOOTH_ISM = `<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<smil xmlns="http://www.w3.org/2001/SMIL20/Language">
  <head><meta name="clientManifestRelativePath" content="manifest.ismc" /></head>
  <body><switch>
    <video src="video_1000.ismv" systemBitrate="1000000"><param name="trackID" value="2" valuetype="data" /><param name="trackName" value="video" valuetype="data" /></video>
    <audio src="audio_128.isma" systemBitrate="128000" systemLanguage="eng"><param name="trackID" value="1" valuetype="data" /><param name="trackName" value="audio" valuetype="data" /></audio>
  </switch></body>
</smil>
`;

const ARCHIVE_ISM = `<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<smil xmlns="http://www.w3.org/2001/SMIL20/Language">
  <head><meta name="formats" content="vod-fmp4" /><meta name="clientManifestRelativePath" content="manifest.ismc" /></head>
  <body><switch>
    <video src="video" systemBitrate="1000000"><param name="trackID" value="1" valuetype="data" /><param name="trackName" value="video" valuetype="data" /></video>
    <audio src="audio" systemBitrate="128000" systemLanguage="eng"><param name="trackID" value="2" valuetype="data" /><param name="trackName" value="audio" valuetype="data" /></audio>
  </switch></body>
</smil>
`;

const ARCHIVE_ISMC = `<?xml version="1.0" encoding="utf-8"?>
<SmoothStreamingMedia MajorVersion="2" MinorVersion="2" Duration="60000000" TimeScale="10000000">
  <StreamIndex Chunks="3" Type="video" Url="QualityLevels({bitrate})/Fragments(video={start time})" QualityLevels="1">
    <QualityLevel Index="0" Bitrate="1000000" FourCC="AVC1" MaxWidth="1280" MaxHeight="720" CodecPrivateData="" />
    <c t="0" d="20000000" r="3" />
  </StreamIndex>
  <StreamIndex Chunks="3" Type="audio" Url="QualityLevels({bitrate})/Fragments(audio={start time})" QualityLevels="1" Name="audio" Language="eng">
    <QualityLevel Index="0" Bitrate="128000" FourCC="AACL" SamplingRate="48000" Channels="2" BitsPerSample="16" PacketSize="4" AudioTag="255" CodecPrivateData="1190" />
    <c t="0" d="20000000" r="3" />
  </StreamIndex>
</SmoothStreamingMedia>
`;

/** Cheap synthetic blobs shaped like each kind (their media bytes are placeholders). */
function syntheticFiles(kind: AssetKind, manifest: string): Array<{ name: string; data: Buffer }> {
  const b = (s: string) => Buffer.from(s);
  switch (kind) {
    case 'smooth':
      return [
        { name: 'video_1000.ismv', data: b('synthetic ismv') },
        { name: 'audio_128.isma', data: b('synthetic isma') },
        { name: `${manifest}.ism`, data: b(SMOOTH_ISM) },
        { name: 'manifest.ismc', data: b(ARCHIVE_ISMC) },
      ];
    case 'live-archive':
      // Fragments by start time; video fragment 40000000 is missing, as happens in real archives.
      return [
        { name: `${manifest}.ism`, data: b(ARCHIVE_ISM) },
        { name: 'manifest.ismc', data: b(ARCHIVE_ISMC) },
        ...['video', 'audio'].flatMap((track) => [
          { name: `${track}/header`, data: b(`synthetic ${track} ftyp+moov`) },
          ...['0', '20000000', '40000000']
            .filter((t) => !(track === 'video' && t === '40000000'))
            .map((t) => ({ name: `${track}/${t}`, data: b(`synthetic ${track} moof+mdat ${t}`) })),
        ]),
      ];
    case 'no-manifest':
      return [{ name: 'source.mov', data: b('synthetic source') }];
    default:
      return [
        {
          name: 'video_1000.mp4',
          data: b(kind === 'storage-encrypted' ? 'encrypted mp4 payload' : 'synthetic mp4 payload'),
        },
        { name: `${manifest}.ism`, data: b(syntheticIsm('video_1000.mp4')) },
      ];
  }
}

export const AWKWARD_ASSET_NAMES = [
  'clip with spaces',
  'comma,separated,name',
  'ünïcødé 素材 ✓',
  `long-${'x'.repeat(255)}`,
];

const AWKWARD_BLOBS = [
  'file with spaces.mp4',
  'comma,in,name.mp4',
  'ünïcødé 素材.mp4',
  `${'y'.repeat(256)}.mp4`,
];

function syntheticIsm(video: string): string {
  return `<?xml version="1.0" encoding="utf-8" standalone="yes"?>
<smil xmlns="http://www.w3.org/2001/SMIL20/Language">
  <head><meta name="formats" content="mp4-v2" /></head>
  <body><switch><video src="${video}" systemBitrate="1000000"><param name="trackID" value="1" valuetype="data" /><param name="trackName" value="video" valuetype="data" /></video></switch></body>
</smil>
`;
}

const CLEAR_KEY_POLICY: Json = {
  description: 'AES-128 clear key with a JWT restriction',
  options: [
    {
      name: 'aes',
      configuration: { '@odata.type': '#Microsoft.Media.ContentKeyPolicyClearKeyConfiguration' },
      restriction: {
        '@odata.type': '#Microsoft.Media.ContentKeyPolicyTokenRestriction',
        issuer: 'urn:contoso',
        audience: 'urn:contoso:player',
        primaryVerificationKey: {
          '@odata.type': '#Microsoft.Media.ContentKeyPolicySymmetricTokenKey',
          keyValue: '',
        },
        alternateVerificationKeys: [],
        requiredClaims: [{ claimType: 'urn:microsoft:azure:mediaservices:contentkeyidentifier' }],
        restrictionTokenType: 'Jwt',
      },
    },
  ],
};

function drmPolicy(): Json {
  const open = { '@odata.type': '#Microsoft.Media.ContentKeyPolicyOpenRestriction' };
  return {
    description: 'PlayReady, Widevine and FairPlay',
    options: [
      {
        name: 'playready',
        configuration: {
          '@odata.type': '#Microsoft.Media.ContentKeyPolicyPlayReadyConfiguration',
          licenses: [
            {
              allowTestDevices: false,
              contentKeyLocation: {
                '@odata.type':
                  '#Microsoft.Media.ContentKeyPolicyPlayReadyContentEncryptionKeyFromHeader',
              },
              contentType: 'UltraVioletDownload',
              licenseType: 'Persistent',
              playRight: {
                allowPassingVideoContentToUnknownOutput: 'NotAllowed',
                digitalVideoOnlyContentRestriction: false,
                imageConstraintForAnalogComponentVideoRestriction: true,
                imageConstraintForAnalogComputerMonitorRestriction: false,
              },
            },
          ],
        },
        restriction: open,
      },
      {
        name: 'widevine',
        configuration: {
          '@odata.type': '#Microsoft.Media.ContentKeyPolicyWidevineConfiguration',
          widevineTemplate: '{"allowed_track_types":"SD_HD"}',
        },
        restriction: open,
      },
      {
        name: 'fairplay',
        configuration: {
          '@odata.type': '#Microsoft.Media.ContentKeyPolicyFairPlayConfiguration',
          ask: randomBytes(16).toString('base64'),
          fairPlayPfxPassword: `pfx-${randomBytes(6).toString('hex')}`,
          fairPlayPfx: randomBytes(48).toString('base64'),
          rentalAndLeaseKeyType: 'PersistentUnlimited',
          rentalDuration: 0,
        },
        restriction: open,
      },
    ],
  };
}

/** One shared empty list for the generated keys' tracks (200,000 empty arrays add up). */
const NO_TRACKS: unknown[] = Object.freeze([]) as unknown as unknown[];

function key(type: string, label: string, policyName: string): Json {
  return {
    id: randomUUID(),
    type,
    labelReferenceInStreamingPolicy: label,
    value: randomBytes(16).toString('base64'),
    policyName,
    tracks: NO_TRACKS,
  };
}

async function pool<T>(items: T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(size, items.length) }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

export async function generateInto(
  core: AmsCore,
  account: Account,
  options: GenerateOptions,
): Promise<GenerateReport> {
  const now = core.clock.now();
  const n = options.assets;
  const prefix = options.prefix ?? 'asset-';
  const digits = String(Math.max(1, n)).length;
  const from = Date.parse(options.createdFrom ?? '2019-01-01T00:00:00Z');
  const step = n > 0 ? Math.max(1, Math.floor((now - from) / n)) : 0;
  const mix = options.mix ?? { clear: 0.6, aes: 0.2, drm: 0.2 };
  const total = mix.clear + mix.aes + mix.drm;
  const perAsset = options.locatorsPerAsset ?? 1;
  const filterEvery = options.assetFilterEvery ?? 50;
  const awkward = options.awkwardNames ?? true;
  const realCount = Math.min(n, options.realMediaAssets ?? 3);
  const assets = collectionOf(account, 'assets');
  const locators = collectionOf(account, 'streamingLocators');
  const ctx = core.ctx(account);

  // Policies the locators use.
  const policies = collectionOf(account, 'contentKeyPolicies');
  const mk = (name: string, props: Json, created = now): Res => ({
    name,
    created,
    modified: created,
    props,
  });
  policies.set(
    mk('aes-policy', {
      policyId: randomUUID(),
      ...CLEAR_KEY_POLICY,
      options: (CLEAR_KEY_POLICY.options as Json[]).map((o) => ({
        policyOptionId: randomUUID(),
        ...o,
        restriction: {
          ...(o.restriction as Json),
          primaryVerificationKey: {
            '@odata.type': '#Microsoft.Media.ContentKeyPolicySymmetricTokenKey',
            keyValue: randomBytes(32).toString('base64'),
          },
        },
      })),
    }),
  );
  const drm = drmPolicy();
  policies.set(
    mk('drm-policy', {
      policyId: randomUUID(),
      ...drm,
      options: (drm.options as Json[]).map((o) => ({ policyOptionId: randomUUID(), ...o })),
    }),
  );
  collectionOf(account, 'streamingPolicies').set(
    mk('custom-cenc-dash-only', {
      defaultContentKeyPolicyName: 'drm-policy',
      commonEncryptionCenc: {
        enabledProtocols: { download: false, dash: true, hls: false, smoothStreaming: false },
        clearTracks: [],
        contentKeys: { defaultKey: { label: 'cencKey' }, keyToTrackMappings: [] },
        drm: {
          widevine: {
            customLicenseAcquisitionUrlTemplate: 'https://drm.contoso.com/wv/{ContentKeyId}',
          },
        },
      },
    }),
  );

  const report: GenerateReport = {
    assets: 0,
    locators: 0,
    contentKeys: 0,
    containersWritten: 0,
    kinds: {},
    realMediaAssets: [],
    awkwardAssets: [],
  };
  const toWrite: Res[] = [];
  const filterTracks = [
    { trackSelections: [{ property: 'Type', operation: 'Equal', value: 'Video' }] },
  ];
  for (let i = 0; i < n; i++) {
    let name = `${prefix}${String(i + 1).padStart(digits, '0')}`;
    if (awkward && i >= realCount && i - realCount < AWKWARD_ASSET_NAMES.length)
      name = AWKWARD_ASSET_NAMES[i - realCount]!;
    const created = from + i * step;
    const kind = kindOf(i, realCount);
    report.kinds[kind] = (report.kinds[kind] ?? 0) + 1;
    const asset: Res = {
      name,
      created,
      modified: created,
      props: { assetId: randomUUID(), alternateId: `ALT${i + 1}` },
    };
    if (kind === 'storage-encrypted') {
      asset.props.storageEncryptionFormat = 'MediaStorageClientEncryption';
      asset.props.encryption = {
        key: randomBytes(32).toString('base64'),
        assetFileEncryptionMetadata: [
          {
            assetFileName: 'video_1000.mp4',
            assetFileId: randomUUID(),
            initializationVector: String(randomBytes(4).readUInt32BE()),
          },
        ],
      };
    }
    assets.set(asset);
    report.assets++;
    if (i < realCount) report.realMediaAssets.push(name);
    else if (name !== `${prefix}${String(i + 1).padStart(digits, '0')}`)
      report.awkwardAssets.push(name);
    if (
      (options.containers ?? 'all') === 'all' ||
      ((options.containers ?? 'all') === 'real' && i < realCount)
    )
      toWrite.push(asset);
    else if (i < realCount) asset.props.files = sampleMedia().map((f) => f.name);
    for (let j = 0; j < perAsset; j++) {
      const pick = (((i * perAsset + j) * 0.6180339887) % 1) * total;
      const lname = perAsset === 1 ? `locator-${name}` : `locator-${name}-${j + 1}`;
      let props: Json;
      if (pick < mix.clear)
        props = {
          assetName: name,
          streamingPolicyName: 'Predefined_ClearStreamingOnly',
          streamingLocatorId: randomUUID(),
        };
      else if (pick < mix.clear + mix.aes)
        props = {
          assetName: name,
          streamingPolicyName: 'Predefined_ClearKey',
          streamingLocatorId: randomUUID(),
          defaultContentKeyPolicyName: 'aes-policy',
          contentKeys: [key('EnvelopeEncryption', 'aesDefaultKey', 'aes-policy')],
        };
      else
        props = {
          assetName: name,
          streamingPolicyName: 'Predefined_MultiDrmStreaming',
          streamingLocatorId: randomUUID(),
          defaultContentKeyPolicyName: 'drm-policy',
          contentKeys: [
            key('CommonEncryptionCenc', 'cencDefaultKey', 'drm-policy'),
            key('CommonEncryptionCbcs', 'cbcsDefaultKey', 'drm-policy'),
          ],
        };
      report.contentKeys += ((props.contentKeys as unknown[]) ?? []).length;
      const locator: Res = {
        name: lname,
        created: created + 60_000,
        modified: created + 60_000,
        props,
      };
      locators.set(locator);
      indexLocator(ctx, locator);
      report.locators++;
    }
    if (filterEvery > 0 && i % filterEvery === 0)
      childCollection(asset, 'assetFilters').set(
        mk(
          'first-minute',
          {
            presentationTimeRange: {
              startTimestamp: 0,
              endTimestamp: 600_000_000,
              timescale: 10_000_000,
              forceEndTimestamp: false,
            },
            tracks: filterTracks,
          },
          created,
        ),
      );
  }

  for (let f = 0; f < (options.accountFilters ?? 2); f++)
    collectionOf(account, 'accountFilters').set(
      mk(f === 0 ? 'hd-only' : `account-filter-${f}`, {
        firstQuality: { bitrate: 128000 },
        tracks: [
          {
            trackSelections: [
              { property: 'Type', operation: 'Equal', value: 'Video' },
              { property: 'Bitrate', operation: 'Equal', value: '0-5000000' },
            ],
          },
        ],
      }),
    );

  // Transforms, including the analyzer presets Video Indexer cares about, with finished jobs.
  const transforms = collectionOf(account, 'transforms');
  const presets: Array<[string, Json]> = [
    [
      'adaptive-streaming',
      {
        '@odata.type': '#Microsoft.Media.BuiltInStandardEncoderPreset',
        presetName: 'AdaptiveStreaming',
      },
    ],
    [
      'audio-analyzer',
      {
        '@odata.type': '#Microsoft.Media.AudioAnalyzerPreset',
        audioLanguage: 'en-US',
        mode: 'Standard',
      },
    ],
    [
      'video-analyzer',
      {
        '@odata.type': '#Microsoft.Media.VideoAnalyzerPreset',
        audioLanguage: 'en-US',
        insightsToExtract: 'AllInsights',
      },
    ],
    [
      'face-detector',
      {
        '@odata.type': '#Microsoft.Media.FaceDetectorPreset',
        resolution: 'SourceResolution',
        mode: 'Analyze',
      },
    ],
  ];
  const jobsPer = options.jobsPerTransform ?? 3;
  presets.forEach(([tname, preset], t) => {
    const transform = mk(tname, { description: `${tname} transform`, outputs: [{ preset }] }, from);
    transforms.set(transform);
    for (let j = 0; j < Math.min(jobsPer, n); j++) {
      const source = assets.byName()[(t * jobsPer + j) % assets.size]!.name;
      childCollection(transform, 'jobs').set(
        mk(
          `job-${tname}-${j + 1}`,
          {
            input: { '@odata.type': '#Microsoft.Media.JobInputAsset', assetName: source },
            outputs: [{ '@odata.type': '#Microsoft.Media.JobOutputAsset', assetName: source }],
            priority: 'Normal',
            state: 'Finished',
          },
          from + j * 3_600_000,
        ),
      );
    }
  });

  const endpoints = collectionOf(account, 'streamingEndpoints');
  const seDef = typeByKey('streamingEndpoints');
  for (let e = 0; e < (options.streamingEndpoints ?? 2); e++) {
    const name = e === 0 ? 'default' : `cdn-endpoint-${e}`;
    const res = (await seDef.build(
      ctx,
      name,
      {
        location: account.location,
        properties: {
          scaleUnits: e === 0 ? 0 : 1,
          ...(e > 0
            ? {
                cdnEnabled: true,
                cdnProvider: 'StandardVerizon',
                cdnProfile: 'AzureMediaStreamingPlatformCdnProfile-StandardVerizon',
                customHostNames: [`media${e}.contoso.com`],
              }
            : {}),
        },
      },
      undefined,
    )) as Res;
    res.props.resourceState = 'Running';
    endpoints.set(res);
  }
  const liveEvents = collectionOf(account, 'liveEvents');
  for (let l = 0; l < (options.liveEvents ?? 1); l++) {
    const res: Res = {
      name: `live-${l + 1}`,
      created: now,
      modified: now,
      props: {
        description: 'weekly show',
        input: {
          streamingProtocol: 'RTMP',
          accessToken: randomUUID().replace(/-/g, ''),
          keyFrameIntervalDuration: 'PT2S',
        },
        preview: {
          accessControl: {
            ip: { allow: [{ name: 'all', address: '0.0.0.0', subnetPrefixLength: 0 }] },
          },
        },
        encoding: { encodingType: 'PassthroughStandard' },
        useStaticHostname: false,
        resourceState: 'Running',
        provisioningState: 'Succeeded',
        streamOptions: ['Default'],
      },
      top: { location: account.location, tags: {} },
    };
    liveEvents.set(res);
    if (n > 0) {
      const archive = assets.byName()[l % assets.size]!.name;
      childCollection(res, 'liveOutputs').set(
        mk(`output-${l + 1}`, {
          assetName: archive,
          archiveWindowLength: 'PT1H',
          manifestName: `live-${l + 1}`,
          resourceState: 'Running',
          provisioningState: 'Succeeded',
          rewindWindowLength: 'PT30M',
        }),
      );
    }
  }

  // Storage: real media for the first few, cheap synthetic blobs (and awkward blob names) for the rest.
  await pool(toWrite, options.concurrency ?? 16, async (asset) => {
    const index = report.containersWritten++;
    const position = Number(String(asset.props.alternateId).slice(3)) - 1;
    if (report.realMediaAssets.includes(asset.name))
      return writeFiles(core, account, asset, 'sample');
    const container = core.storage.container(
      assetStorageAccount(ctx, asset),
      assetContainer(ctx, asset),
    );
    if (!container) return;
    await container.createIfNotExists();
    const video =
      awkward && index < AWKWARD_BLOBS.length + realCount && index >= realCount
        ? AWKWARD_BLOBS[index - realCount]!
        : 'video_1000.mp4';
    const manifest = `${asset.name.length > 200 ? 'long' : 'manifest'}`;
    const files =
      video === 'video_1000.mp4'
        ? syntheticFiles(kindOf(position, realCount), manifest)
        : [
            { name: video, data: Buffer.from('synthetic mp4 payload') },
            { name: `${manifest}.ism`, data: Buffer.from(syntheticIsm(video)) },
          ];
    await Promise.all(files.map((f) => container.getBlockBlobClient(f.name).uploadData(f.data)));
  });
  assets.touch();
  locators.touch();
  return report;
}
