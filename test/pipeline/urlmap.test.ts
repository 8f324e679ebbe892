import { derivePaths } from '../../shared/export/paths';
import { parseServerManifest } from '../../shared/export/ism';
import { buildUrl, matchKey, parseUrl } from '../../shared/urlmap/grammar';
import { streamingHosts } from '../../shared/urlmap/hosts';
import { csvField } from '../../shared/urlmap/writer';
import { filterSetsOf } from '../../shared/urlmap/build-urlmap';

const ID = '262a87b6-b538-4657-bac1-b6897924471d';

describe('streaming URL grammar', () => {
  it.each([
    [
      `https://a-usea.streaming.media.azure.net/${ID}/video.ism/manifest(format=m3u8-aapl).m3u8`,
      'hls',
      'hls-v4',
      [],
    ],
    [
      `https://a-usea.streaming.media.azure.net/${ID}/video.ism/manifest(format=m3u8-aapl-v3)`,
      'hls',
      'hls-v3',
      [],
    ],
    [
      `https://a-usea.streaming.media.azure.net/${ID}/video.ism/manifest(format=m3u8-cmaf,filter=f1;f2)`,
      'hls',
      'hls-cmaf',
      ['f1', 'f2'],
    ],
    [
      `https://a-usea.streaming.media.azure.net/${ID}/video.ism/manifest(format=mpd-time-csf).mpd`,
      'dash',
      'dash',
      [],
    ],
    [
      `https://a-usea.streaming.media.azure.net/${ID}/video.ism/manifest(filter=x,format=mpd-time-cmaf)`,
      'dash',
      'dash-cmaf',
      ['x'],
    ],
    [`https://a-usea.streaming.media.azure.net/${ID}/video.ism/manifest`, 'smooth', 'smooth', []],
    [
      `https://a-usea.streaming.media.azure.net/${ID}/video.ism/Manifest(filter=x)`,
      'smooth',
      'smooth',
      ['x'],
    ],
    [`https://a-usea.streaming.media.azure.net/${ID}/video.ism/manifest.m3u8`, 'hls', 'hls-v4', []],
  ])('parses %s', (url, kind, format, filters) => {
    const parts = parseUrl(url);
    expect(parts).toMatchObject({
      host: 'a-usea.streaming.media.azure.net',
      streamingLocatorId: ID,
      kind,
      format,
      filters,
      manifest: 'video.ism',
    });
  });

  it('round-trips every format with filters, encryption and awkward names', () => {
    for (const format of ['hls-v4', 'hls-v3', 'hls-cmaf', 'dash', 'dash-cmaf', 'smooth'] as const) {
      const kind = format.startsWith('hls') ? 'hls' : format.startsWith('dash') ? 'dash' : 'smooth';
      const parts = {
        host: 'cdn.example.com',
        streamingLocatorId: ID,
        kind,
        manifest: 'ünï cødé,1.ism',
        format,
        filters: ['a', 'b'],
        encryption: 'cbc',
      } as const;
      const url = buildUrl({ ...parts, filters: [...parts.filters] });
      expect(parseUrl(url)).toMatchObject({ ...parts, filters: ['a', 'b'] });
    }
    const download = buildUrl({
      host: 'h',
      streamingLocatorId: ID,
      kind: 'download',
      file: 'file with spaces.mp4',
      filters: [],
    });
    expect(download).toBe(`https://h/${ID}/file%20with%20spaces.mp4`);
    expect(parseUrl(download)).toMatchObject({ kind: 'download', file: 'file with spaces.mp4' });
  });

  it('parses listPaths paths with a host, and rejects what is not a streaming URL', () => {
    expect(parseUrl(`/${ID}/v.ism/manifest(format=m3u8-aapl,encryption=cbc)`, 'h')).toMatchObject({
      host: 'h',
      encryption: 'cbc',
      format: 'hls-v4',
    });
    expect(parseUrl('https://h/not-a-guid/v.ism/manifest')).toBeUndefined();
    expect(parseUrl(`https://h/${ID}/v.mp4/manifest`)).toBeUndefined();
    expect(parseUrl(`https://h/${ID}/v.ism/manifest(format=bogus)`)).toBeUndefined();
    expect(parseUrl('not a url')).toBeUndefined();
  });

  it('matches every host and HLS flavour of one manifest to one key; filter order does not matter', () => {
    const a = parseUrl(`https://x/${ID}/v.ism/manifest(format=m3u8-aapl-v3,filter=B;a)`);
    const b = parseUrl(`https://y/${ID}/v.ism/manifest(format=m3u8-cmaf,filter=a;b).m3u8`);
    expect(a && b && matchKey(a)).toBe(b && matchKey(b));
    const dash = parseUrl(`https://y/${ID}/v.ism/manifest(format=mpd-time-csf,filter=a;b)`);
    expect(dash && matchKey(dash)).not.toBe(b && matchKey(b));
  });
});

describe('hosts and CSV', () => {
  it('lists origin, CDN and custom hosts once each', () => {
    const hosts = streamingHosts([
      { name: 'default', hostName: 'acct-usea.streaming.media.azure.net' },
      {
        name: 'cdn',
        hostName: 'cdn-acct-usea.streaming.media.azure.net',
        cdnEnabled: true,
        customHostNames: ['media.contoso.com', 'MEDIA.contoso.com'],
      },
    ]);
    expect(hosts.map((h) => [h.host, h.kind])).toEqual([
      ['acct-usea.streaming.media.azure.net', 'origin'],
      ['cdn-acct-usea.streaming.media.azure.net', 'cdn'],
      ['media.contoso.com', 'custom'],
    ]);
  });

  it('quotes CSV fields and defuses formulas', () => {
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('=cmd()')).toBe("'=cmd()");
    expect(csvField(undefined)).toBe('');
  });
});

describe('path derivation from GET data and the .ism', () => {
  const ism = `<?xml version="1.0" encoding="utf-8"?><smil xmlns="http://www.w3.org/2001/SMIL20/Language"><head><meta name="formats" content="mp4-v2" /><meta name="clientManifestRelativePath" content="v.ismc" /></head><body><switch><video src="v_1000.mp4" systemBitrate="1000000"/><audio src="a.mp4" systemBitrate="128000" systemLanguage="eng"/></switch></body></smil>`;

  it('reads the kind and the tracks of a server manifest', () => {
    const m = parseServerManifest(ism);
    expect(m.formats).toBe('mp4-v2');
    expect(m.clientManifest).toBe('v.ismc');
    expect(m.tracks).toEqual([
      { kind: 'video', src: 'v_1000.mp4', bitrate: 1000000, language: undefined },
      { kind: 'audio', src: 'a.mp4', bitrate: 128000, language: 'eng' },
    ]);
    expect(() => parseServerManifest('<html/>')).toThrow(/SMIL/);
  });

  it('derives listPaths for clear streaming with downloads and for envelope encryption', () => {
    const clear = derivePaths({
      streamingLocatorId: ID,
      sections: [
        {
          scheme: 'NoEncryption',
          protocols: { hls: true, dash: true, smoothStreaming: true, download: true },
        },
      ],
      manifests: ['video.ism'],
      files: ['video.ism', 'video.ismc', 'v_1000.mp4', 'sub.vtt', 'video_manifest.json'],
    });
    expect(clear).toEqual({
      derived: true,
      streamingPaths: [
        {
          streamingProtocol: 'Hls',
          encryptionScheme: 'NoEncryption',
          paths: [`/${ID}/video.ism/manifest(format=m3u8-aapl)`],
        },
        {
          streamingProtocol: 'Dash',
          encryptionScheme: 'NoEncryption',
          paths: [`/${ID}/video.ism/manifest(format=mpd-time-csf)`],
        },
        {
          streamingProtocol: 'SmoothStreaming',
          encryptionScheme: 'NoEncryption',
          paths: [`/${ID}/video.ism/manifest`],
        },
      ],
      downloadPaths: [`/${ID}/v_1000.mp4`, `/${ID}/sub.vtt`],
    });
    const aes = derivePaths({
      streamingLocatorId: ID,
      sections: [
        {
          scheme: 'EnvelopeEncryption',
          protocols: { hls: true, dash: false, smoothStreaming: false, download: false },
        },
      ],
      manifests: ['video.ism'],
      files: ['video.ism'],
    });
    expect(aes.streamingPaths[0]?.paths).toEqual([
      `/${ID}/video.ism/manifest(format=m3u8-aapl,encryption=cbc)`,
    ]);
    expect(aes.downloadPaths).toEqual([]);
  });
});

describe('filter sets of a locator', () => {
  it('lists none, each filter alone, and the combination the locator plays in its order', () => {
    expect(filterSetsOf(['a', 'b', 'c'], ['c', 'a'])).toEqual([
      [],
      ['a'],
      ['b'],
      ['c'],
      ['c', 'a'],
    ]);
  });
  it('adds no combination for one filter or none, and caps it at three filters', () => {
    expect(filterSetsOf(['a', 'b'], ['a'])).toEqual([[], ['a'], ['b']]);
    expect(filterSetsOf(['a'], [])).toEqual([[], ['a']]);
    expect(filterSetsOf([], ['d', 'c', 'b', 'a'])).toEqual([[], ['d', 'c', 'b']]);
  });
  it('does not list the same set twice (duplicates, or one filter named twice)', () => {
    expect(filterSetsOf(['a', 'a', 'b'], ['b', 'b'])).toEqual([[], ['a'], ['b']]);
    expect(filterSetsOf(['a'], ['a', 'a'])).toEqual([[], ['a']]);
  });
});
