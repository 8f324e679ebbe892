import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseIsm } from '../../../shared/media/ism';
import { parseIsmc } from '../../../shared/media/ismc';
import {
  parseTtml,
  parseTtmlTime,
  toWebVtt,
  ttmlFromFragmentedFile,
} from '../../../shared/media/ttml';
import { parseMasterPlaylist, parseMediaPlaylist } from '../../../shared/media/hls';
import { parseIsoDuration, parseMpd } from '../../../shared/media/dash';
import { childBoxes, makeBox, makeFullBox, parseMoof } from '../../../shared/media/mp4';
import { editTrafs, ensureDecodeTime } from '../../../shared/media/fragments';
import {
  counterBlock,
  decryptRange,
  decryptStream,
  encryptBuffer,
  ivBytes,
  parseStorageEncryptionData,
} from '../../../shared/media/storage-encryption';
import { classify, kindOfFormats } from '../../../shared/targets/static/classify';
import { contentTypeOf, publicUrl, renderOutputPrefix } from '../../../shared/targets/static/paths';
import { packagerArguments, streamDescriptor } from '../../../shared/targets/static/packager';
import {
  filterMpd,
  languageMatches,
  trimMediaPlaylist,
} from '../../../shared/targets/static/filters';
import { resolveStaticOptions } from '../../../shared/targets/static/options';
import { FIXTURES } from './helpers';

describe('media parsers', () => {
  it('reads the .ism kinds, tracks, languages and track ids', () => {
    const ism = parseIsm(readFileSync(join(FIXTURES, 'smooth', 'movie.ism'), 'utf8'));
    expect(ism.formats).toBeUndefined();
    expect(ism.clientManifest).toBe('movie.ismc');
    expect(ism.tracks).toEqual([
      {
        type: 'video',
        src: 'movie_120k.ismv',
        bitrate: 120000,
        language: undefined,
        trackId: 1,
        trackName: undefined,
      },
      {
        type: 'audio',
        src: 'movie_120k.ismv',
        bitrate: 24000,
        language: 'eng',
        trackId: 2,
        trackName: 'audio_eng',
      },
      {
        type: 'audio',
        src: 'movie_fra.isma',
        bitrate: 24000,
        language: 'fra',
        trackId: 1,
        trackName: 'audio_fra',
      },
    ]);
    expect(parseIsm(readFileSync(join(FIXTURES, 'live', 'archive.ism'), 'utf8')).formats).toBe(
      'vod-fmp4',
    );
    expect(() => parseIsm('<smil><body>')).toThrow(/not well-formed/);
    expect(() => parseIsm('<nope/>')).toThrow(/no <smil> root/);
  });

  it('classifies every formats value and container state', () => {
    expect(['mp4', 'mp4-v2', 'mp4-v3'].map(kindOfFormats)).toEqual([
      'encoded',
      'encoded',
      'encoded',
    ]);
    expect([undefined, 'fmp4'].map(kindOfFormats)).toEqual(['smooth', 'smooth']);
    expect(['vod-fmp4', 'vod-cmaf'].map(kindOfFormats)).toEqual(['live-archive', 'live-archive']);
    expect(['live-fmp4', 'll-cmaf'].map(kindOfFormats)).toEqual(['live', 'live']);
    expect(kindOfFormats('weird')).toBe('unknown');
    expect(classify({ containerExists: false, blobNames: [] }).unmigratable).toMatch(
      /does not exist/,
    );
    expect(classify({ containerExists: true, blobNames: [] }).unmigratable).toMatch(/empty/);
    expect(classify({ containerExists: true, blobNames: ['a.pdf'] })).toEqual({
      kind: 'non-streamable',
    });
  });

  it('expands .ismc chunks with repeats and implicit start times', () => {
    const ismc = parseIsmc(
      '<SmoothStreamingMedia MajorVersion="2" MinorVersion="2" Duration="50"><StreamIndex Type="video" Name="v" TimeScale="10"><c t="5" d="10" r="3"/><c d="7"/><c/><c t="60" d="2"/></StreamIndex></SmoothStreamingMedia>',
    );
    expect(ismc.streams[0]).toMatchObject({ type: 'video', name: 'v', timescale: 10 });
    expect(ismc.streams[0]!.chunks).toEqual([
      { time: 5, duration: 10 },
      { time: 15, duration: 10 },
      { time: 25, duration: 10 },
      { time: 35, duration: 7 },
      { time: 42, duration: 18 },
      { time: 60, duration: 2 },
    ]);
    expect(() =>
      parseIsmc(
        '<SmoothStreamingMedia><StreamIndex><c t="-1"/></StreamIndex></SmoothStreamingMedia>',
      ),
    ).toThrow(/whole number/);
  });

  it('turns TTML into WebVTT: clock, offset, frame and tick times, entities, line breaks', () => {
    const params = { frameRate: 25, tickRate: 10_000_000 };
    expect(parseTtmlTime('00:01:02.500', params)).toBe(62.5);
    expect(parseTtmlTime('00:00:01:05', params)).toBe(1.2);
    expect(parseTtmlTime('1.5s', params)).toBe(1.5);
    expect(parseTtmlTime('250ms', params)).toBe(0.25);
    expect(parseTtmlTime('20000000t', params)).toBe(2);
    expect(() => parseTtmlTime('soon', params)).toThrow(/unsupported/);
    const cues = parseTtml(
      '<tt xmlns="http://www.w3.org/ns/ttml" xmlns:ttp="http://www.w3.org/ns/ttml#parameter" ttp:tickRate="10000000"><body><div>' +
        '<p begin="10000000t" end="20000000t">Fish &amp; <span>chips</span><br/>second line</p>' +
        '<p begin="3s" dur="1s">a --> b</p></div></body></tt>',
    );
    expect(cues).toEqual([
      { start: 1, end: 2, text: 'Fish & chips\nsecond line' },
      { start: 3, end: 4, text: 'a --> b' },
    ]);
    const ismt = Buffer.concat(
      ['header', '0', '20000000'].map((f) => readFileSync(join(FIXTURES, 'live', 'text_eng', f))),
    );
    expect(
      ttmlFromFragmentedFile(ismt)
        .flatMap(parseTtml)
        .map((c) => c.text),
    ).toEqual(['Hello, live', 'Second cue']);
    expect(toWebVtt([...cues, { start: 1.5, end: 2.5, text: 'Fish & chips\nsecond line' }])).toBe(
      'WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nFish & chips\nsecond line\n\n00:00:03.000 --> 00:00:04.000\na -> b\n',
    );
  });

  it('parses HLS masters and media playlists, and DASH manifests', () => {
    const master = parseMasterPlaylist(
      '#EXTM3U\n#EXT-X-MEDIA:TYPE=AUDIO,URI="a.m3u8",GROUP-ID="audio",LANGUAGE="fr",NAME="Fr, main"\n#EXT-X-STREAM-INF:BANDWIDTH=100,CODECS="avc1.4d400c,mp4a.40.2",AUDIO="audio"\nv.m3u8\n',
    );
    expect(master.variants[0]).toMatchObject({
      uri: 'v.m3u8',
      bandwidth: 100,
      codecs: 'avc1.4d400c,mp4a.40.2',
    });
    expect(master.renditions[0]).toMatchObject({
      type: 'AUDIO',
      language: 'fr',
      name: 'Fr, main',
      uri: 'a.m3u8',
    });
    const media = parseMediaPlaylist(
      '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI="v.mp4",BYTERANGE="100@0"\n#EXTINF:2.0,\n#EXT-X-BYTERANGE:50@120\nv.mp4\n#EXTINF:1.5,\n#EXT-X-BYTERANGE:60\nv.mp4\n#EXT-X-ENDLIST\n',
    );
    expect(media.map).toEqual({ uri: 'v.mp4', byteRange: { length: 100, offset: 0 } });
    expect(media.segments.map((s) => s.byteRange)).toEqual([
      { length: 50, offset: 120 },
      { length: 60, offset: 170 },
    ]);
    expect(
      trimMediaPlaylist(
        '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2.0,\na\n#EXTINF:2.0,\nb\n#EXTINF:2.0,\nc\n#EXT-X-ENDLIST\n',
        2.5,
        3.5,
      ),
    ).toContain('#EXTINF:2.000,\nb\n#EXT-X-ENDLIST');
    expect(() => parseMediaPlaylist('#EXTM3U\nx.ts\n')).toThrow();
    expect(() => parseMasterPlaylist('nope')).toThrow(/EXTM3U/);
    expect(parseIsoDuration('PT1H2M3.5S')).toBe(3723.5);
    const mpdText =
      '<MPD type="static" mediaPresentationDuration="PT4S"><Period><AdaptationSet contentType="audio" lang="fr"><Representation id="1" bandwidth="9" codecs="mp4a.40.2"><BaseURL>a.mp4</BaseURL><SegmentBase indexRange="1-2"><Initialization range="0-1"/></SegmentBase></Representation></AdaptationSet>\n<AdaptationSet contentType="video"><Representation id="2" bandwidth="99"><BaseURL>v.mp4</BaseURL></Representation></AdaptationSet></Period></MPD>';
    const mpd = parseMpd(mpdText);
    expect(mpd.duration).toBe(4);
    expect(mpd.periods[0]!.adaptationSets[0]!.representations[0]).toMatchObject({
      baseUrl: 'a.mp4',
      indexRange: '1-2',
      initRange: '0-1',
    });
    expect(
      parseMpd(filterMpd(mpdText, new Set(['v.mp4']))).periods[0]!.adaptationSets.map(
        (a) => a.contentType,
      ),
    ).toEqual(['video']);
    expect(languageMatches('fra', 'fr')).toBe(true);
    expect(languageMatches('eng', 'fr')).toBe(false);
  });

  it('reads signed composition offsets and per-sample durations from trun', () => {
    const u32 = (n: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32BE(n >>> 0);
      return b;
    };
    const trun = makeFullBox('trun', 1, 0x900, u32(2), u32(100), u32(-200 >>> 0), u32(300), u32(0));
    const moof = makeBox('moof', makeBox('traf', makeFullBox('tfhd', 0, 0, u32(1)), trun));
    const [run] = parseMoof(moof, childBoxes(moof)[0]!, new Map([[1, { duration: 0, size: 0 }]]));
    expect(run).toMatchObject({
      trackId: 1,
      sampleCount: 2,
      duration: 400,
      minCompositionOffset: -200,
    });
  });
});

describe('storage encryption (AES-CTR)', () => {
  const key = randomBytes(32);
  const iv = ivBytes('1234567890123456789');
  const plain = randomBytes(100_003);
  const cipher = encryptBuffer(plain, key, iv);

  it('lays the counter block out as IV then block number', () => {
    expect(counterBlock(iv, 0).subarray(0, 8)).toEqual(iv);
    expect(counterBlock(iv, 33).readBigUInt64BE(8)).toBe(2n);
    expect(ivBytes('00000000000000ff')).toEqual(Buffer.from([0, 0, 0, 0, 0, 0, 0, 255]));
    expect(ivBytes(Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]).toString('base64'))).toEqual(
      Buffer.from([1, 2, 3, 4, 5, 6, 7, 8]),
    );
    expect(() => ivBytes('18446744073709551616')).toThrow(/64 bits/);
  });

  it('decrypts any range on its own and as a stream', async () => {
    expect(cipher).not.toEqual(plain);
    expect(decryptRange(cipher.subarray(4097, 9000), key, iv, 4097)).toEqual(
      plain.subarray(4097, 9000),
    );
    const chunks: Buffer[] = [];
    const source = Readable.from([
      cipher.subarray(0, 7),
      cipher.subarray(7, 50_000),
      cipher.subarray(50_000),
    ]);
    for await (const c of source.pipe(decryptStream(key, iv))) chunks.push(c as Buffer);
    expect(Buffer.concat(chunks)).toEqual(plain);
  });

  it('validates the exported data', () => {
    expect(() => parseStorageEncryptionData('nope')).toThrow(/not JSON/);
    expect(() =>
      parseStorageEncryptionData('{"key":"AAAA","assetFileEncryptionMetadata":[]}'),
    ).toThrow(/16, 24 or 32 bytes/);
    expect(() =>
      parseStorageEncryptionData(
        JSON.stringify({ key: key.toString('base64'), assetFileEncryptionMetadata: [{}] }),
      ),
    ).toThrow(/lacks/);
  });
});

describe('static target paths, options and packager arguments', () => {
  it('keeps spaces, commas and unicode, and keeps the path inside its folder', () => {
    const values = { locatorId: 'a1b2', assetName: 'My film, part 2 — été', container: 'asset-1' };
    expect(renderOutputPrefix('{locatorId}/{assetName}', values)).toBe(
      'a1b2/My film, part 2 — été',
    );
    expect(
      renderOutputPrefix('media/{assetName}', { ...values, assetName: '../../etc/passwd' }),
    ).toBe('media/.._.._etc_passwd');
    expect(renderOutputPrefix('{assetName}', { ...values, assetName: '..' })).toBe('_');
    expect(publicUrl('https://cdn.example/x', 'a1b2/My film, part 2/manifest.m3u8')).toBe(
      'https://cdn.example/x/a1b2/My%20film%2C%20part%202/manifest.m3u8',
    );
    expect(contentTypeOf('x.m3u8')).toBe('application/vnd.apple.mpegurl');
    expect(contentTypeOf('x.mp4', true)).toBe('audio/mp4');
    expect(contentTypeOf('x.unknown')).toBe('application/octet-stream');
  });

  it('validates options and names every problem', () => {
    expect(() =>
      resolveStaticOptions({
        outputStorageAccount: 'a',
        outputContainer: 'Bad_Name',
        baseUrl: 'ftp://x',
        pathTemplate: '{nope}',
        encrypt: true,
      }),
    ).toThrow(/outputContainer.*baseUrl.*unknown placeholder \{nope\}.*keyDeliveryUrl/);
    expect(
      resolveStaticOptions({
        outputStorageAccount: 'a',
        outputContainer: 'out',
        baseUrl: 'https://x/',
      }),
    ).toMatchObject({ pathTemplate: '{locatorId}', baseUrl: 'https://x', encrypt: false });
  });

  it('builds descriptors without empty fields and refuses separators in values', () => {
    expect(
      streamDescriptor(
        {
          input: '/in/a.mp4',
          stream: '1',
          output: 'a.mp4',
          language: undefined,
          hlsGroupId: 'audio',
          hlsName: '',
        },
        '/out',
      ),
    ).toBe('in=/in/a.mp4,stream=1,output=/out/a.mp4,hls_group_id=audio');
    expect(() =>
      streamDescriptor({ input: '/in/a,b.mp4', stream: '0', output: 'a.mp4' }, '/out'),
    ).toThrow(/cannot contain/);
    const args = packagerArguments({
      outputDir: '/out',
      streams: [],
      hlsMaster: 'm.m3u8',
      mpd: 'm.mpd',
      segmentDuration: 4,
      encryption: { keyIdHex: 'aa', keyHex: 'bb', hlsKeyUri: 'https://k/aa' },
    });
    expect(args).toEqual(
      expect.arrayContaining([
        '--enable_raw_key_encryption',
        'key_id=aa:key=bb',
        'cbcs',
        '--hls_key_uri',
      ]),
    );
  });
});

describe('fragment rewriting for live-archive rebuilds', () => {
  const firstMoof = (buf: Buffer) => childBoxes(buf).find((b) => b.type === 'moof')!;
  const decodeTime = (buf: Buffer) =>
    parseMoof(buf, firstMoof(buf), new Map())[0]!.baseMediaDecodeTime;

  it('adds a missing tfdt and keeps sample data offsets right (round trip to the original)', () => {
    const original = readFileSync(join(FIXTURES, 'live', 'video=120000', '10000000'));
    expect(decodeTime(original)).toBe(10_000_000);
    const stripped = editTrafs(original, (parts) => parts.filter((p) => p.type !== 'tfdt'));
    expect(decodeTime(stripped)).toBeUndefined();
    expect(stripped.length).toBe(original.length - 20);
    expect(ensureDecodeTime(stripped, 10_000_000)).toEqual(original);
    expect(ensureDecodeTime(original, 5)).toBe(original);
  });

  it('takes the time from a Smooth tfxd box when there is one', () => {
    const ismv = readFileSync(join(FIXTURES, 'smooth', 'movie_120k.ismv'));
    const boxes = childBoxes(ismv);
    const moofs = boxes.filter((b) => b.type === 'moof');
    const second = moofs[2]!; // the second video fragment (video and audio alternate)
    const mdat = boxes[boxes.indexOf(second) + 1]!;
    const fragment = ismv.subarray(second.start, mdat.start + mdat.size);
    expect(decodeTime(fragment)).toBeUndefined();
    const timed = ensureDecodeTime(fragment, 123);
    expect(decodeTime(timed)).toBe(10_000_000);
    // The samples still point at the same bytes: the mdat moved by exactly the tfdt's size.
    expect(timed.subarray(timed.length - mdat.size)).toEqual(
      ismv.subarray(mdat.start, mdat.start + mdat.size),
    );
  });

  it('the Smooth fixture carries signed (negative) composition offsets in version 1 truns', () => {
    const ismv = readFileSync(join(FIXTURES, 'smooth', 'movie_120k.ismv'));
    const runs = childBoxes(ismv)
      .filter((b) => b.type === 'moof')
      .flatMap((m) => parseMoof(ismv, m, new Map()));
    expect(Math.min(...runs.map((r) => r.minCompositionOffset))).toBeLessThan(0);
  });
});
