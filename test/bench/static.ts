/**
 * npm run bench:static — for the same asset, side by side in one run:
 *   1. the bare shaka-packager run on local files,
 *   2. a plain blob copy of the same bytes (download and upload through this process, and a
 *      server-side copy),
 *   3. the end-to-end static migration (download, package, verify, upload to Azurite),
 * with the ratios of 3 over 1 and 3 over 2, and peak memory (this process's RSS above its
 * baseline, and the packager's). Assets are made with ffmpeg when it is installed (sizes in
 * seconds: BENCH_SECONDS, default "20,80", so memory can be compared across sizes); without
 * ffmpeg the committed encoder fixture is used.
 */
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, rm, stat, copyFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { AZURITE_ACCOUNT, startAzurite } from '../../local/azurite';
import { systemClock } from '../../shared/clock';
import { Ledger } from '../../shared/ledger/ledger';
import { LocalSecretStore } from '../../shared/secrets/local-secret-store';
import { connectionStringMediaStorage } from '../../shared/storage/media-storage';
import { StaticTarget } from '../../shared/targets/static/static-target';
import { defaultPackagerPath, runPackager } from '../../shared/targets/static/packager';
import {
  downloadToFile,
  listAllBlobs,
  readableUrl,
  serverCopy,
  uploadFile,
} from '../../shared/targets/static/transfer';

const FIXTURE = join(__dirname, '..', 'targets', 'static', 'fixtures', 'encoder');

function hasFfmpeg(): boolean {
  try {
    execFileSync('ffmpeg', ['-version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** An encoder-style asset of `seconds`: 720p and 360p H.264, two AAC languages, the fixture's .ism and .vtt. */
async function makeAsset(seconds: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bench-asset-'));
  const ff = (args: string[]) =>
    execFileSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-y', ...args]);
  const video = (size: string, rate: string, out: string) =>
    ff([
      '-f',
      'lavfi',
      '-i',
      `testsrc2=size=${size}:rate=25:duration=${seconds}`,
      '-c:v',
      'libx264',
      '-preset',
      'veryfast',
      '-b:v',
      rate,
      '-g',
      '50',
      '-sc_threshold',
      '0',
      '-pix_fmt',
      'yuv420p',
      '-movflags',
      '+faststart',
      join(dir, out),
    ]);
  const audio = (freq: number, lang: string, out: string) =>
    ff([
      '-f',
      'lavfi',
      '-i',
      `sine=frequency=${freq}:duration=${seconds}`,
      '-c:a',
      'aac',
      '-b:a',
      '24k',
      '-ac',
      '1',
      '-ar',
      '22050',
      '-metadata:s:a:0',
      `language=${lang}`,
      '-movflags',
      '+faststart',
      join(dir, out),
    ]);
  video('1280x720', '3000k', 'clip_320x180_120k.mp4');
  video('640x360', '800k', 'clip_160x90_50k.mp4');
  audio(440, 'eng', 'clip_aac_eng.mp4');
  audio(660, 'fra', 'clip_aac_fra.mp4');
  await copyFile(join(FIXTURE, 'clip.ism'), join(dir, 'clip.ism'));
  await copyFile(join(FIXTURE, 'clip.vtt'), join(dir, 'clip.vtt'));
  return dir;
}

/** Samples this process's RSS while `work` runs; returns the peak above the starting RSS. */
async function measure<T>(
  work: () => Promise<T>,
): Promise<{ ms: number; peakRssAbove: number; value: T }> {
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage().rss;
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
  const started = performance.now();
  try {
    const value = await work();
    return { ms: performance.now() - started, peakRssAbove: Math.max(0, peak - base), value };
  } finally {
    clearInterval(timer);
  }
}

const mib = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MiB`;

async function main(): Promise<void> {
  const sizes = hasFfmpeg() ? (process.env.BENCH_SECONDS ?? '20,80').split(',').map(Number) : [0];
  const azurite = await startAzurite();
  const storage = connectionStringMediaStorage({ [AZURITE_ACCOUNT]: azurite.connectionString });
  const ledgerTable = TableClient.fromConnectionString(azurite.connectionString, 'benchledger', {
    allowInsecureConnection: true,
  });
  const ledger = new Ledger(ledgerTable);
  await ledger.ensure();
  const secrets = new LocalSecretStore(await mkdtemp(join(tmpdir(), 'bench-secrets-')));
  const deps = { mediaStorage: storage, secrets, ledger, clock: systemClock };
  const transfer = { blockSize: 4 * 1024 * 1024, concurrency: 4 };
  try {
    for (const seconds of sizes) {
      const dir = seconds ? await makeAsset(seconds) : FIXTURE;
      const files = (await readdir(dir)).sort();
      let bytes = 0;
      for (const f of files) bytes += (await stat(join(dir, f))).size;
      const container = `bench-${randomUUID()}`;
      const source = storage.container(AZURITE_ACCOUNT, container);
      await source.create();
      for (const f of files) await source.getBlockBlobClient(f).uploadFile(join(dir, f));
      console.log(
        `\nasset: ${seconds ? `${seconds} s generated` : 'committed fixture'}, ${files.length} files, ${mib(bytes)}`,
      );

      // 1. The bare packager on local files.
      const out = await mkdtemp(join(tmpdir(), 'bench-pkg-'));
      const bare = await measure(() =>
        runPackager(defaultPackagerPath(), {
          outputDir: out,
          hlsMaster: 'manifest.m3u8',
          mpd: 'manifest.mpd',
          segmentDuration: 4,
          streams: [
            {
              input: join(dir, 'clip_320x180_120k.mp4'),
              stream: '0',
              output: 'v1.mp4',
              playlistName: 'v1.m3u8',
            },
            {
              input: join(dir, 'clip_160x90_50k.mp4'),
              stream: '0',
              output: 'v2.mp4',
              playlistName: 'v2.m3u8',
            },
            {
              input: join(dir, 'clip_aac_eng.mp4'),
              stream: '0',
              output: 'a1.mp4',
              playlistName: 'a1.m3u8',
              language: 'eng',
              hlsGroupId: 'audio',
            },
            {
              input: join(dir, 'clip_aac_fra.mp4'),
              stream: '0',
              output: 'a2.mp4',
              playlistName: 'a2.m3u8',
              language: 'fra',
              hlsGroupId: 'audio',
            },
            {
              input: join(dir, 'clip.vtt'),
              stream: 'text',
              output: 't.vtt',
              playlistName: 't.m3u8',
              language: 'eng',
              hlsGroupId: 'text',
            },
          ],
        }),
      );
      await rm(out, { recursive: true, force: true });

      // 2a. A plain copy of the same bytes through this process (download, upload).
      const copyTarget = storage.container(AZURITE_ACCOUNT, `copy-${randomUUID()}`);
      await copyTarget.create();
      const tmp = await mkdtemp(join(tmpdir(), 'bench-copy-'));
      const plain = await measure(async () => {
        for (const blob of await listAllBlobs(source, 5000)) {
          const local = join(tmp, 'f');
          await downloadToFile(
            source.getBlobClient(blob.name),
            local,
            transfer,
            undefined,
            blob.size,
          );
          await uploadFile(copyTarget, blob.name, local, transfer);
        }
      });
      await rm(tmp, { recursive: true, force: true });
      // 2b. A server-side copy (copy from URL) of the same blobs.
      const serverTarget = storage.container(AZURITE_ACCOUNT, `srv-${randomUUID()}`);
      await serverTarget.create();
      const server = await measure(async () => {
        for (const blob of await listAllBlobs(source, 5000)) {
          const from = source.getBlobClient(blob.name);
          await serverCopy(
            await readableUrl(from, storage.service(AZURITE_ACCOUNT), Date.now()),
            serverTarget.getBlobClient(blob.name),
            blob.size,
          );
        }
      });

      // 3. The end-to-end migration.
      const target = new StaticTarget({
        outputStorageAccount: AZURITE_ACCOUNT,
        outputContainer: `out-${randomUUID()}`.slice(0, 40),
        baseUrl: 'https://media.example.com',
        blockSize: transfer.blockSize,
        concurrency: transfer.concurrency,
      });
      const e2e = await measure(() =>
        target.migrateAsset(
          {
            accountId:
              '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.Media/mediaServices/bench',
            assetName: container,
            storageAccountName: AZURITE_ACCOUNT,
            container,
            locators: [
              {
                name: 'l',
                streamingLocatorId: randomUUID(),
                streamingPolicyName: 'p',
                filters: [],
                contentKeySecrets: [],
              },
            ],
            filters: [],
          },
          deps,
        ),
      );
      if (e2e.value.status !== 'done')
        throw new Error(`the migration ended ${e2e.value.status}: ${e2e.value.reason}`);

      const row = (name: string, ms: number, rss: string, extra = '') =>
        console.log(`  ${name.padEnd(44)} ${`${ms.toFixed(0)} ms`.padStart(9)}   ${rss}${extra}`);
      row(
        'bare shaka-packager on local files',
        bare.ms,
        `packager peak RSS ${mib(bare.value.peakRssBytes)}`,
      );
      row(
        'plain blob copy through the process',
        plain.ms,
        `node peak RSS +${mib(plain.peakRssAbove)}`,
      );
      row(
        'server-side blob copy (copy from URL)',
        server.ms,
        `node peak RSS +${mib(server.peakRssAbove)}`,
      );
      row(
        'end-to-end static migration',
        e2e.ms,
        `node peak RSS +${mib(e2e.peakRssAbove)}, packager peak RSS ${mib(Number(e2e.value.details?.packagerPeakRssBytes ?? 0))}`,
      );
      console.log(`  ratio end-to-end / bare packager:  ${(e2e.ms / bare.ms).toFixed(2)}x`);
      console.log(`  ratio end-to-end / plain copy:     ${(e2e.ms / plain.ms).toFixed(2)}x`);
      console.log(`  ratio end-to-end / server copy:    ${(e2e.ms / server.ms).toFixed(2)}x`);
      if (seconds) await rm(dir, { recursive: true, force: true });
    }
  } finally {
    await azurite.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
