import { ContainerClient } from '@azure/storage-blob';
import { startAmsEmulator } from '../../emulators/ams';
import { AWKWARD_ASSET_NAMES, kindOf } from '../../emulators/ams/generate';
import { emulatorWithClient, RG, SUB } from './support';
import { testStorageConnectionString } from '../support/storage';

test('the generator writes every asset kind and awkward names into storage, reachable through the SDK', async () => {
  const { emu, client } = await emulatorWithClient({
    seed: {
      accounts: [
        {
          subscriptionId: SUB,
          resourceGroup: RG,
          name: 'generated',
          generate: { assets: 25, realMediaAssets: 2, mix: { clear: 1, aes: 0, drm: 0 } },
        },
      ],
    },
  });
  try {
    const report = emu.seedReport!.accounts[0]!.generated!;
    expect(report.kinds).toMatchObject({
      sample: 2,
      mp4: 17,
      smooth: 2,
      'live-archive': 2,
      'no-manifest': 1,
      'storage-encrypted': 1,
    });
    expect(report.awkwardAssets).toEqual(AWKWARD_ASSET_NAMES);
    // Awkward asset names work through the SDK, and their blobs carry awkward names too.
    for (const name of AWKWARD_ASSET_NAMES) {
      const asset = await client.assets.get(RG, 'generated', name);
      const blobs = [];
      for await (const b of new ContainerClient(
        testStorageConnectionString(),
        asset.container!,
      ).listBlobsFlat())
        blobs.push(b.name);
      expect(blobs.length).toBeGreaterThan(0);
    }
    const byKind = (kind: string) => {
      const i = Array.from({ length: 25 }, (_, n) => n).find(
        (n) => n >= 6 && kindOf(n, 2) === kind,
      )!;
      return `asset-${String(i + 1).padStart(2, '0')}`;
    };
    const archive = await client.assets.get(RG, 'generated', byKind('live-archive'));
    const archiveBlobs = [];
    for await (const b of new ContainerClient(
      testStorageConnectionString(),
      archive.container!,
    ).listBlobsFlat())
      archiveBlobs.push(b.name);
    expect(archiveBlobs).toEqual(
      expect.arrayContaining([
        'manifest.ism',
        'manifest.ismc',
        'video/header',
        'video/0',
        'audio/40000000',
      ]),
    );
    expect(archiveBlobs).not.toContain('video/40000000');
    const archivePaths = await client.streamingLocators.listPaths(
      RG,
      'generated',
      `locator-${archive.name}`,
    );
    expect(archivePaths.streamingPaths?.[0]?.paths?.[0]).toMatch(
      /manifest\.ism\/manifest\(format=m3u8-aapl\)$/,
    );
    const none = await client.streamingLocators.listPaths(
      RG,
      'generated',
      `locator-${byKind('no-manifest')}`,
    );
    expect(none.streamingPaths).toEqual([]);
    const encrypted = await client.assets.getEncryptionKey(
      RG,
      'generated',
      byKind('storage-encrypted'),
    );
    expect(encrypted.assetFileEncryptionMetadata?.[0]?.assetFileName).toBe('video_1000.mp4');
    const sample = await client.streamingLocators.listPaths(RG, 'generated', 'locator-asset-01');
    expect(sample.streamingPaths?.map((p) => p.streamingProtocol)).toEqual([
      'Hls',
      'Dash',
      'SmoothStreaming',
    ]);
    // Transforms with analyzer presets and their jobs, endpoints with CDN, live events with outputs.
    const presets = [];
    for await (const t of client.transforms.list(RG, 'generated'))
      presets.push(t.outputs?.[0]?.preset.odataType);
    expect(presets).toEqual(
      expect.arrayContaining([
        '#Microsoft.Media.AudioAnalyzerPreset',
        '#Microsoft.Media.VideoAnalyzerPreset',
        '#Microsoft.Media.FaceDetectorPreset',
      ]),
    );
    const jobs = [];
    for await (const j of client.jobs.list(RG, 'generated', 'video-analyzer')) jobs.push(j.state);
    expect(jobs.length).toBeGreaterThan(0);
    const cdn = await client.streamingEndpoints.get(RG, 'generated', 'cdn-endpoint-1');
    expect(cdn.cdnEnabled).toBe(true);
    const outputs = [];
    for await (const o of client.liveOutputs.list(RG, 'generated', 'live-1'))
      outputs.push(o.assetName);
    expect(outputs).toHaveLength(1);
  } finally {
    await emu.stop();
  }
});

test('a declarative seed is validated and names its first problem', async () => {
  await expect(
    startAmsEmulator({ seed: { accounts: [{ subscriptionId: SUB, resourceGroup: RG } as never] } }),
  ).rejects.toThrow(/accounts\[0\]\.name/);
  await expect(
    startAmsEmulator({
      seed: {
        accounts: [
          {
            subscriptionId: SUB,
            resourceGroup: RG,
            name: 'a',
            streamingLocators: [
              {
                name: 'l',
                properties: {
                  assetName: 'missing',
                  streamingPolicyName: 'Predefined_ClearStreamingOnly',
                },
              },
            ],
          },
        ],
      },
    }),
  ).rejects.toThrow(/asset 'missing' was not found/);
});
