import type { ContainerClient } from '@azure/storage-blob';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseMasterPlaylist, parseMediaPlaylist } from '../../../shared/media/hls';
import { parseMpd } from '../../../shared/media/dash';
import { childBoxes, parseMoof, summarizeMp4File } from '../../../shared/media/mp4';
import { editTrafs } from '../../../shared/media/fragments';
import { encryptBuffer } from '../../../shared/media/storage-encryption';
import {
  StaticTarget,
  migrateStaticBatch,
  outputKeySecretName,
} from '../../../shared/targets/static/static-target';
import { verifyDash, verifyHls } from '../../../shared/targets/static/verify';
import { uniqueName } from '../../support/storage';
import {
  ACCOUNT_ID,
  asset,
  downloadPrefix,
  FIXTURES,
  locator,
  makeDeps,
  outputOptions,
  uploadFixture,
} from './helpers';
import { randomBytes, randomUUID } from 'node:crypto';

async function setup() {
  const deps = await makeDeps();
  const outName = uniqueName('out');
  return { deps, outName, output: deps.mediaStorage.container('devstoreaccount1', outName) };
}

async function checkOutput(output: ContainerClient, prefix: string) {
  const { dir, types } = await downloadPrefix(output, prefix);
  await verifyHls(dir, 'manifest.m3u8');
  await verifyDash(dir, 'manifest.mpd');
  return { dir, types };
}

describe('static target: asset kinds', () => {
  it('splits a Smooth .ismv (video and English audio in one file) and .isma per track', async () => {
    const { deps, outName, output } = await setup();
    const container = uniqueName('asset-');
    await uploadFixture(deps.mediaStorage.container('devstoreaccount1', container), 'smooth');
    const id = randomUUID();
    const result = await new StaticTarget(outputOptions(outName)).migrateAsset(
      asset({ assetName: 'smooth asset', container, locators: [locator(id)] }),
      deps,
    );
    expect(result.reason).toBeUndefined();
    expect(result.details?.kind).toBe('smooth');
    const { dir } = await checkOutput(output, id);
    const [video, eng] = await summarizeMp4File(join(FIXTURES, 'smooth', 'movie_120k.ismv'));
    const [fra] = await summarizeMp4File(join(FIXTURES, 'smooth', 'movie_fra.isma'));
    const outputs: Array<[typeof video, string]> = [
      [video, 'video-320x180-120k.mp4'],
      [eng, 'audio-eng-24k.mp4'],
      [fra, 'audio-fra-24k.mp4'],
    ];
    for (const [source, file] of outputs) {
      const tracks = await summarizeMp4File(join(dir, file));
      expect(tracks).toHaveLength(1);
      expect(tracks[0]!.kind).toBe(source!.kind);
      expect(tracks[0]!.sampleCount).toBe(source!.sampleCount);
      expect(tracks[0]!.duration / tracks[0]!.timescale).toBeCloseTo(
        source!.duration / source!.timescale,
        3,
      );
    }
  });

  it('rebuilds a live archive from fragment blobs, records the missing fragment as a gap and converts TTML', async () => {
    const { deps, outName, output } = await setup();
    const container = uniqueName('asset-');
    await uploadFixture(deps.mediaStorage.container('devstoreaccount1', container), 'live');
    const id = randomUUID();
    const result = await new StaticTarget(outputOptions(outName)).migrateAsset(
      asset({ assetName: 'archive', container, locators: [locator(id)] }),
      deps,
    );
    expect(result.reason).toBeUndefined();
    expect(result.details).toMatchObject({ kind: 'live-archive', gaps: 1 });
    expect(result.warnings.join('\n')).toContain(
      'track video=120000: the fragment at 20000000 (2.000 s) is missing',
    );
    const { dir } = await checkOutput(output, id);
    // Source samples: the fragments present in storage, parsed from the fixture blobs.
    const header = join(FIXTURES, 'live', 'video=120000');
    const present = ['0', '10000000', '30000000'];
    const { writeFile, mkdtemp } = await import('node:fs/promises');
    const tmp = join(await mkdtemp('/tmp/live-src-'), 'video.mp4');
    await writeFile(
      tmp,
      Buffer.concat(
        await Promise.all(['header', ...present].map((f) => readFile(join(header, f)))),
      ),
    );
    const [source] = await summarizeMp4File(tmp);
    const [out] = await summarizeMp4File(join(dir, 'video-320x180-120k.mp4'));
    expect(out!.sampleCount).toBe(source!.sampleCount);
    expect(out!.sampleCount).toBe(75);
    expect(out!.duration).toBe(source!.duration);
    const audio = await summarizeMp4File(join(dir, 'audio-eng-24k.mp4'));
    expect(audio[0]!.sampleCount).toBeGreaterThan(80);
    const vtt = await readFile(join(dir, 'text-eng.vtt'), 'utf8');
    expect(vtt).toMatch(/00:00:00\.500 --> 00:00:01\.800[^\n]*\nHello, live/);
    expect(vtt).toMatch(/00:00:02\.200 --> 00:00:03\.500[^\n]*\nSecond cue/);
  });

  it('keeps the gap of a missing fragment when the fragments carry no tfdt (Smooth ingest)', async () => {
    const { deps, outName, output } = await setup();
    const container = uniqueName('asset-');
    const strip = (name: string, data: Buffer) =>
      /^video=120000\/\d+$/.test(name)
        ? editTrafs(data, (parts) => parts.filter((p) => p.type !== 'tfdt'))
        : data;
    await uploadFixture(deps.mediaStorage.container('devstoreaccount1', container), 'live', strip);
    const id = randomUUID();
    const result = await new StaticTarget({
      ...outputOptions(outName),
      segmentDuration: 1,
    }).migrateAsset(
      asset({ assetName: 'archive without tfdt', container, locators: [locator(id)] }),
      deps,
    );
    expect(result.reason).toBeUndefined();
    const { dir } = await checkOutput(output, id);
    const buf = await readFile(join(dir, 'video-320x180-120k.mp4'));
    const times = childBoxes(buf)
      .filter((b) => b.type === 'moof')
      .map((m) => parseMoof(buf, m, new Map())[0]!.baseMediaDecodeTime);
    expect(times).toEqual([0, 10_000_000, 30_000_000]);
  });

  it('decrypts a storage-encrypted asset with the exported key and encrypts the output with a new key', async () => {
    const { deps, outName, output } = await setup();
    const container = uniqueName('asset-');
    const key = randomBytes(32);
    const files: Array<{
      assetFileName: string;
      initializationVector: string;
      assetFileId: string;
    }> = [];
    await uploadFixture(
      deps.mediaStorage.container('devstoreaccount1', container),
      'encoder',
      (name, data) => {
        const iv = randomBytes(8);
        files.push({
          assetFileName: name,
          initializationVector: iv.readBigUInt64BE().toString(),
          assetFileId: randomUUID(),
        });
        return encryptBuffer(data, key, iv);
      },
    );
    await deps.secrets.put(
      'storage-enc-test',
      JSON.stringify({ key: key.toString('base64'), assetFileEncryptionMetadata: files }),
    );
    const id = randomUUID();
    const target = new StaticTarget({
      ...outputOptions(outName),
      encrypt: true,
      keyDeliveryUrl: 'https://keys.example.com/api/keys',
      blockSize: 64 * 1024,
    });
    const item = asset({
      assetName: 'v2 encrypted',
      container,
      locators: [locator(id)],
      storageEncryptionFormat: 'MediaStorageClientEncryption',
      storageEncryptionSecret: 'storage-enc-test',
    });
    const result = await target.migrateAsset(item, deps);
    expect(result.reason).toBeUndefined();
    expect(result.details).toMatchObject({ kind: 'encoded', encrypted: true });
    const { dir } = await checkOutput(output, id);
    const media = parseMediaPlaylist(await readFile(join(dir, 'video-320x180-120k.m3u8'), 'utf8'));
    expect(media.keys[0]).toMatchObject({
      METHOD: 'SAMPLE-AES',
      URI: `https://keys.example.com/api/keys/${result.details?.keyId}`,
    });
    expect(parseMpd(await readFile(join(dir, 'manifest.mpd'), 'utf8')).protection).toContain(
      'urn:mpeg:dash:mp4protection:2011',
    );
    const [source] = await summarizeMp4File(join(FIXTURES, 'encoder', 'clip_320x180_120k.mp4'));
    const [out] = await summarizeMp4File(join(dir, 'video-320x180-120k.mp4'));
    expect(out!.sampleCount).toBe(source!.sampleCount);
    // Downloads of a storage-encrypted asset are stored decrypted.
    expect(await readFile(join(dir, 'clip_aac_eng.mp4'))).toEqual(
      await readFile(join(FIXTURES, 'encoder', 'clip_aac_eng.mp4')),
    );
    // The new key is in the secret store under its key id, never in the result.
    expect(JSON.stringify(result)).not.toMatch(/"key"/);
    const stored = await deps.secrets.get(outputKeySecretName(String(result.details?.keyId)));
    expect(JSON.parse(stored ?? '{}')).toMatchObject({ keyId: result.details?.keyId });
  });

  it('classifies what cannot be migrated, with a reason, and one failure does not fail the batch', async () => {
    const { deps, outName } = await setup();
    const svc = (name: string) => deps.mediaStorage.container('devstoreaccount1', name);
    const empty = uniqueName('asset-');
    await svc(empty).create();
    const live = uniqueName('asset-');
    await uploadFixture(svc(live), 'live');
    const ism = (await svc(live).getBlobClient('archive.ism').downloadToBuffer())
      .toString()
      .replace('vod-fmp4', 'live-fmp4');
    await svc(live).getBlockBlobClient('archive.ism').uploadData(Buffer.from(ism));
    const broken = uniqueName('asset-');
    await uploadFixture(svc(broken), 'encoder');
    await svc(broken).deleteBlob('clip_aac_fra.mp4');
    const locked = uniqueName('asset-');
    await uploadFixture(svc(locked), 'encoder');
    const fine = uniqueName('asset-');
    await uploadFixture(svc(fine), 'encoder');
    const results = await migrateStaticBatch(
      [
        asset({ assetName: 'missing', container: uniqueName('asset-') }),
        asset({ assetName: 'empty', container: empty }),
        asset({ assetName: 'live', container: live }),
        asset({ assetName: 'broken', container: broken }),
        asset({
          assetName: 'encrypted',
          container: locked,
          storageEncryptionFormat: 'MediaStorageClientEncryption',
        }),
        asset({ assetName: 'fine', container: fine }),
      ],
      outputOptions(outName),
      deps,
    );
    const byName = Object.fromEntries(results.map((r) => [r.assetName, r]));
    expect(byName.missing).toMatchObject({
      status: 'skipped',
      reason: 'the asset container does not exist',
    });
    expect(byName.empty).toMatchObject({
      status: 'skipped',
      reason: 'the asset container is empty',
    });
    expect(byName.live?.status).toBe('skipped');
    expect(byName.live?.reason).toMatch(/still being recorded/);
    expect(byName.broken?.status).toBe('failed');
    expect(byName.broken?.reason).toMatch(/clip_aac_fra\.mp4, which is not in the container/);
    expect(byName.encrypted?.status).toBe('skipped');
    expect(byName.encrypted?.reason).toMatch(/storage-encrypted and its key was not exported/);
    expect(byName.fine?.status).toBe('done');
    const failed = await deps.ledger.get(ACCOUNT_ID, {
      kind: 'asset',
      name: 'broken',
      target: 'static',
    });
    expect(failed?.status).toBe('failed');

    // The failed asset is retried alone once its file is back.
    await svc(broken)
      .getBlockBlobClient('clip_aac_fra.mp4')
      .uploadFile(join(FIXTURES, 'encoder', 'clip_aac_fra.mp4'));
    const retry = await migrateStaticBatch(
      [asset({ assetName: 'broken', container: broken })],
      outputOptions(outName),
      deps,
    );
    expect(retry[0]?.status).toBe('done');
    expect(
      (await deps.ledger.get(ACCOUNT_ID, { kind: 'asset', name: 'broken', target: 'static' }))
        ?.attempts,
    ).toBe(2);
  });

  it('copies a non-streamable asset server-side, reading every page of a large listing', async () => {
    const { deps, outName, output } = await setup();
    const container = uniqueName('asset-');
    const source = deps.mediaStorage.container('devstoreaccount1', container);
    await source.create();
    const names = Array.from(
      { length: 120 },
      (_, i) => `scan ${String(i).padStart(3, '0')}, ü.jpg`,
    );
    await Promise.all(names.map((n) => source.getBlockBlobClient(n).uploadData(Buffer.from(n))));
    const id = randomUUID();
    const result = await new StaticTarget({
      ...outputOptions(outName),
      listPageSize: 10,
    }).migrateAsset(asset({ assetName: 'scans', container, locators: [locator(id)] }), deps);
    expect(result.status).toBe('done');
    expect(result.details).toMatchObject({ kind: 'non-streamable', files: 120 });
    let copied = 0;
    for await (const b of output.listBlobsFlat({ prefix: `${id}/` })) {
      copied += 1;
      expect(b.properties.contentType).toBe('image/jpeg');
      expect(b.properties.copyId ?? b.properties.copySource ?? 'copied').toBeTruthy();
    }
    expect(copied).toBe(120);
    expect(result.urls.filter((u) => u.kind === 'download')).toHaveLength(120);
    // Too many URLs for a table property: the ledger points at a blob, and a re-run returns them.
    const again = await new StaticTarget(outputOptions(outName)).migrateAsset(
      asset({ assetName: 'scans', container, locators: [locator(id)] }),
      deps,
    );
    expect(again.reason).toBe('already migrated');
    expect(again.urls).toEqual(result.urls);
    const row = await deps.ledger.get(ACCOUNT_ID, {
      kind: 'asset',
      name: 'scans',
      target: 'static',
    });
    // The row points at the blob holding the long URL list (see shared/targets/ledger-urls.ts).
    expect(row?.details?.urlsBlob).toMatchObject({
      storageAccount: expect.any(String),
      container: expect.any(String),
      blob: expect.any(String),
    });
  });

  it('makes filtered manifests for track selection and time range, and reports what it cannot carry over', async () => {
    const { deps, outName, output } = await setup();
    const container = uniqueName('asset-');
    await uploadFixture(deps.mediaStorage.container('devstoreaccount1', container), 'encoder');
    const id = randomUUID();
    const second = randomUUID();
    const result = await new StaticTarget({
      ...outputOptions(outName),
      segmentDuration: 1,
    }).migrateAsset(
      asset({
        assetName: 'filtered',
        container,
        locators: [
          locator(id, ['englishOnly', 'firstTwoSeconds']),
          locator(second, ['englishOnly']),
        ],
        filters: [
          {
            name: 'englishOnly',
            scope: 'account',
            tracks: [
              [{ property: 'Type', operation: 'Equal', value: 'Video' }],
              [{ property: 'Language', operation: 'Equal', value: 'en' }],
            ],
          },
          {
            name: 'firstTwoSeconds',
            scope: 'asset',
            tracks: [],
            presentationTimeRange: {
              startTimestamp: 0,
              endTimestamp: 20_000_000,
              timescale: 10_000_000,
            },
          },
        ],
      }),
      deps,
    );
    expect(result.reason).toBeUndefined();
    const filteredHls = result.urls.find((u) => u.kind === 'hls' && u.filters?.length);
    expect(filteredHls?.filters).toEqual(['englishOnly', 'firstTwoSeconds']);
    const trimmedDash = result.urls.find(
      (u) => u.streamingLocatorId === id && u.kind === 'dash' && u.filters?.length,
    );
    expect(trimmedDash?.url).toContain(
      encodeURIComponent('manifest(filter=englishOnly;firstTwoSeconds).mpd'),
    );
    const { dir } = await downloadPrefix(output, id);
    const name = 'manifest(filter=englishOnly;firstTwoSeconds).m3u8';
    await verifyHls(dir, name);
    const master = parseMasterPlaylist(await readFile(join(dir, name), 'utf8'));
    expect(master.renditions.map((r) => r.language).sort()).toEqual(['en', 'en']);
    const trimmed = parseMediaPlaylist(await readFile(join(dir, master.variants[0]!.uri), 'utf8'));
    const total = trimmed.segments.reduce((s, x) => s + x.duration, 0);
    expect(total).toBeGreaterThan(1.5);
    expect(total).toBeLessThan(3.1);
    const dashTrimmed = 'manifest(filter=englishOnly;firstTwoSeconds).mpd';
    await verifyDash(dir, dashTrimmed);
    const trimmedMpd = parseMpd(await readFile(join(dir, dashTrimmed), 'utf8'));
    const reps = trimmedMpd.periods[0]!.adaptationSets.flatMap((a) => a.representations).filter(
      (r) => r.segmentRanges,
    );
    expect(reps.length).toBe(3); // two videos and the English audio; text stays whole
    for (const r of reps) {
      expect(r.segmentListSeconds).toBeGreaterThan(1.5);
      expect(r.segmentListSeconds).toBeLessThan(3.1);
    }
    expect(trimmedMpd.duration).toBeLessThan(3.1);

    // The second locator's folder is a server-side copy with its own track-selection manifests.
    const other = await downloadPrefix(output, second);
    await verifyHls(other.dir, 'manifest.m3u8');
    const dashName = 'manifest(filter=englishOnly).mpd';
    await verifyDash(other.dir, dashName);
    const mpd = parseMpd(await readFile(join(other.dir, dashName), 'utf8'));
    expect(mpd.periods[0]!.adaptationSets.map((a) => a.lang ?? a.contentType).sort()).toEqual([
      'en',
      'en',
      'video',
    ]);
    expect(
      result.urls.find(
        (u) => u.streamingLocatorId === second && u.kind === 'dash' && u.filters?.length,
      )?.url,
    ).toBe(`https://media.example.com/vod/${second}/${encodeURIComponent(dashName)}`);
  });
});
