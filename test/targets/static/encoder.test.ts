import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseMasterPlaylist } from '../../../shared/media/hls';
import { parseMpd } from '../../../shared/media/dash';
import { summarizeMp4File } from '../../../shared/media/mp4';
import { StaticTarget, METADATA_KEYS } from '../../../shared/targets/static/static-target';
import { verifyDash, verifyHls } from '../../../shared/targets/static/verify';
import { uniqueName } from '../../support/storage';
import {
  asset,
  downloadPrefix,
  FIXTURES,
  locator,
  makeDeps,
  outputOptions,
  uploadFixture,
} from './helpers';

const GUID = '9f4c2a8e-1b3d-4e5f-8a9b-0c1d2e3f4a5b';

describe('static target: encoder output with an awkward name', () => {
  it('packages every track, keeps the locator GUID and the name, and a re-run does nothing', async () => {
    const deps = await makeDeps();
    const sourceName = uniqueName('asset-');
    const outName = uniqueName('out');
    const source = deps.mediaStorage.container('devstoreaccount1', sourceName);
    await uploadFixture(source, 'encoder');
    await source.setMetadata({ owner: 'team_video' });
    const assetName = 'Mÿ Movie, part 1 (final) 日本';
    const target = new StaticTarget({
      ...outputOptions(outName),
      pathTemplate: '{locatorId}/{assetName}',
    });
    const item = asset({ assetName, container: sourceName, locators: [locator(GUID)] });

    const result = await target.migrateAsset(item, deps);
    expect(result.reason).toBeUndefined();
    expect(result.status).toBe('done');
    const prefix = `${GUID}/${assetName}`;
    const hls = result.urls.find((u) => u.kind === 'hls');
    expect(hls?.url).toBe(
      `https://media.example.com/vod/${GUID}/${encodeURIComponent(assetName)}/manifest.m3u8`,
    );
    expect(
      result.urls
        .filter((u) => u.kind === 'download')
        .map((u) => u.file)
        .sort(),
    ).toEqual([
      'clip_160x90_50k.mp4',
      'clip_320x180_120k.mp4',
      'clip_aac_eng.mp4',
      'clip_aac_fra.mp4',
    ]);

    // Independent checks on what landed in storage.
    const output = deps.mediaStorage.container('devstoreaccount1', outName);
    const { dir, types } = await downloadPrefix(output, prefix);
    await verifyHls(dir, 'manifest.m3u8');
    await verifyDash(dir, 'manifest.mpd');
    const master = parseMasterPlaylist(await readFile(join(dir, 'manifest.m3u8'), 'utf8'));
    expect(master.variants).toHaveLength(2);
    for (const v of master.variants) expect(v.codecs).toMatch(/avc1\..+,mp4a\.40\.2/);
    expect(
      master.renditions
        .filter((r) => r.type === 'AUDIO')
        .map((r) => r.language)
        .sort(),
    ).toEqual(['en', 'fr']);
    expect(master.renditions.filter((r) => r.type === 'SUBTITLES')).toHaveLength(1);
    const mpd = parseMpd(await readFile(join(dir, 'manifest.mpd'), 'utf8'));
    expect(mpd.periods[0]!.adaptationSets.map((a) => a.lang ?? a.contentType).sort()).toEqual([
      'en',
      'en',
      'fr',
      'video',
    ]);
    expect(types.get('manifest.m3u8')).toBe('application/vnd.apple.mpegurl');
    expect(types.get('manifest.mpd')).toBe('application/dash+xml');
    expect(types.get('audio-fra-24k.mp4')).toBe('audio/mp4');
    expect(types.get('video-320x180-120k.mp4')).toBe('video/mp4');
    expect(types.get('text-eng.vtt')).toMatch(/^text\/vtt/);
    expect(await readFile(join(dir, 'text-eng.vtt'), 'utf8')).toContain(
      'Bonjour, « monde » ünïcode',
    );

    // Per track, the output's samples and duration match the source fixture.
    const pairs: Array<[string, string]> = [
      ['clip_320x180_120k.mp4', 'video-320x180-120k.mp4'],
      ['clip_160x90_50k.mp4', 'video-160x90-50k.mp4'],
      ['clip_aac_eng.mp4', 'audio-eng-24k.mp4'],
      ['clip_aac_fra.mp4', 'audio-fra-24k.mp4'],
    ];
    for (const [src, out] of pairs) {
      const [s] = await summarizeMp4File(join(FIXTURES, 'encoder', src));
      const [o] = await summarizeMp4File(join(dir, out));
      expect(o!.sampleCount).toBe(s!.sampleCount);
      expect(o!.sampleCount).toBeGreaterThan(50);
      expect(Math.abs(o!.duration / o!.timescale - s!.duration / s!.timescale)).toBeLessThan(0.05);
    }

    // State in the ledger and merged into the source container's metadata.
    const metadata = (await source.getProperties()).metadata ?? {};
    expect(metadata.owner).toBe('team_video');
    expect(metadata[METADATA_KEYS.status]).toBe('done');
    expect(
      (await deps.ledger.get(item.accountId, { kind: 'asset', name: assetName, target: 'static' }))
        ?.status,
    ).toBe('done');

    // A re-run does nothing: skipped, same URLs, no blob rewritten.
    const before = new Map<string, string>();
    for await (const b of output.listBlobsFlat({ prefix }))
      before.set(b.name, b.properties.etag ?? '');
    const again = await target.migrateAsset(item, deps);
    expect(again.status).toBe('skipped');
    expect(again.reason).toBe('already migrated');
    expect(again.urls).toEqual(result.urls);
    for await (const b of output.listBlobsFlat({ prefix }))
      expect(before.get(b.name)).toBe(b.properties.etag);
  });
});
