import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import { parseIsm, type IsmManifest } from '../../media/ism';
import { parseIsmc, type IsmcManifest } from '../../media/ismc';
import { summarizeMp4File, type TrackSummary } from '../../media/mp4';
import { parseTtml, toWebVtt, ttmlFromFragmentedFile } from '../../media/ttml';
import {
  ivBytes,
  keyBytes,
  parseStorageEncryptionData,
  type StorageEncryptionData,
} from '../../media/storage-encryption';
import { secretName } from '../../secrets/secret-store';
import { describeError } from '../../telemetry/redact';
import { urlsForLedger, urlsFromLedger } from '../ledger-urls';
import type { WorkKey } from '../../ledger/ledger';
import type {
  AssetMigrationResult,
  AssetToMigrate,
  MigrationTarget,
  NewUrl,
  TargetDependencies,
} from '../target';
import { classify, pickIsm, type AssetKind } from './classify';
import { buildFilteredManifests, type PackagedTrack } from './filters';
import { rebuildTrack, rebuildTtmlAsWebVtt, streamFor, type Gap } from './live-archive';
import { OutputLock } from './lock';
import {
  resolveStaticOptions,
  type StaticTargetOptions,
  type StaticTargetOptionsInput,
} from './options';
import { defaultPackagerPath, runPackager, type PackagerStream } from './packager';
import { contentTypeOf, lockBlobName, publicUrl, renderOutputPrefix } from './paths';
import {
  downloadSmall,
  downloadToFile,
  inParallel,
  listAllBlobs,
  readableUrl,
  serverCopy,
  uploadFile,
  type BlobEntry,
  type Decryption,
} from './transfer';
import { verifyDash, verifyHls, verifyTracks, type ExpectedTrack } from './verify';

/**
 * The static target: each asset repackaged with shaka-packager into one CMAF file per track, an
 * HLS master with media playlists and a DASH manifest, uploaded to the customer's storage under a
 * path that can keep the old locator GUID. See README "Static target" for the whole flow.
 */

export const STATIC_WORK_KIND = 'asset';
export const HLS_MANIFEST = 'manifest.m3u8';
export const DASH_MANIFEST = 'manifest.mpd';
/** Container metadata keys merged into the source container (C# identifiers, as storage wants). */
export const METADATA_KEYS = {
  status: 'lifeboat_static_status',
  at: 'lifeboat_static_at',
  output: 'lifeboat_static_output',
} as const;

const STORAGE_ENCRYPTION = 'mediastorageclientencryption';

export function workKey(asset: Pick<AssetToMigrate, 'assetName'>): WorkKey {
  return { kind: STATIC_WORK_KIND, name: asset.assetName, target: 'static' };
}

/** Secret-store name of an output key, by its key id (hex): what the key-delivery function reads. */
export function outputKeySecretName(keyIdHex: string): string {
  return secretName('static-output-key', keyIdHex.toLowerCase());
}

/** The output folders of an asset: one per locator, or one for an asset without locators. */
export function outputPrefixes(
  asset: AssetToMigrate,
  template: string,
): Array<{ locatorId?: string; prefix: string }> {
  const base = { assetName: asset.assetName, container: asset.container };
  if (!asset.locators.length) {
    return [
      {
        prefix: renderOutputPrefix(template, {
          ...base,
          locatorId: asset.assetId ?? asset.assetName,
        }),
      },
    ];
  }
  const seen = new Set<string>();
  const out: Array<{ locatorId?: string; prefix: string }> = [];
  for (const locator of asset.locators) {
    const prefix = renderOutputPrefix(template, { ...base, locatorId: locator.streamingLocatorId });
    out.push({ locatorId: locator.streamingLocatorId, prefix });
    seen.add(prefix);
  }
  return out;
}

class Unmigratable extends Error {
  constructor(
    message: string,
    readonly kind: AssetKind,
  ) {
    super(message);
  }
}

interface Prepared {
  kind: AssetKind;
  streams: PackagerStream[];
  expected: ExpectedTrack[];
  tracks: PackagedTrack[];
  warnings: string[];
  gaps: Gap[];
  bytesIn: number;
  /** Progressive MP4s the old download URLs pointed at. */
  downloads: BlobEntry[];
}

interface Context {
  asset: AssetToMigrate;
  deps: TargetDependencies;
  options: StaticTargetOptions;
  source: ContainerClient;
  output: ContainerClient;
  work: string;
}

export class StaticTarget implements MigrationTarget {
  readonly name = 'static' as const;
  readonly options: StaticTargetOptions;

  constructor(options: StaticTargetOptionsInput) {
    this.options = resolveStaticOptions(options);
  }

  private outputContainer(deps: TargetDependencies): ContainerClient {
    return deps.mediaStorage.container(
      this.options.outputStorageAccount,
      this.options.outputContainer,
    );
  }

  async migrateAsset(
    asset: AssetToMigrate,
    deps: TargetDependencies,
  ): Promise<AssetMigrationResult> {
    const key = workKey(asset);
    // Done is final. A skipped asset is looked at again: a live event may have stopped, a key may
    // have been exported since; classifying it again costs one listing.
    const previous = await deps.ledger.get(asset.accountId, key);
    if (previous?.status === 'done') return alreadyDone(previous.details, deps);
    const output = this.outputContainer(deps);
    await output.createIfNotExists();
    const prefixes = outputPrefixes(asset, this.options.pathTemplate);
    const lock = await OutputLock.acquire(
      output,
      lockBlobName(prefixes[0]!.prefix),
      this.options.lockSeconds,
      deps.clock,
      (this.options.lockSeconds + 5) * 1000,
    );
    if (!lock) {
      return {
        status: 'skipped',
        reason: 'another run is migrating this asset (its output lock is held)',
        urls: [],
        warnings: [],
      };
    }
    await sweepStaleWorkFolders(this.options.tempDir ?? tmpdir(), deps.clock.now());
    const work = await mkdtemp(join(this.options.tempDir ?? tmpdir(), 'lifeboat-static-'));
    const source = deps.mediaStorage.container(asset.storageAccountName, asset.container);
    try {
      // Another run may have finished while this one waited for the lock.
      const settled = await deps.ledger.get(asset.accountId, key);
      if (settled?.status === 'done') return alreadyDone(settled.details, deps);
      await deps.ledger.start(asset.accountId, key);
      const ctx: Context = { asset, deps, options: this.options, source, output, work };
      try {
        const owner = createHash('sha256')
          .update(`${asset.accountId.toLowerCase()}\u0000${asset.assetName}`)
          .digest('hex');
        if (await lock.claim(output, lockBlobName(prefixes[0]!.prefix), owner)) {
          throw new Error(
            `the output folder "${prefixes[0]!.prefix}" already holds another asset: the path template must tell assets apart`,
          );
        }
        const result = await migrateLocked(ctx, prefixes, lock);
        await deps.ledger.complete(asset.accountId, key, {
          ...result.details,
          ...(await urlsForLedger(result.urls, {
            storageAccount: this.options.outputStorageAccount,
            container: output,
            blob: `${lockBlobName(prefixes[0]!.prefix)}.urls.json`,
          })),
          warnings: result.warnings.length,
        });
        await markSource(source, 'done', prefixes[0]!.prefix, deps.clock.now());
        return result;
      } catch (error) {
        if (error instanceof Unmigratable) {
          await deps.ledger.skip(asset.accountId, key, error.message);
          await markSource(source, 'skipped', prefixes[0]!.prefix, deps.clock.now());
          return {
            status: 'skipped',
            reason: error.message,
            urls: [],
            warnings: [],
            details: { kind: error.kind },
          };
        }
        await deps.ledger.fail(asset.accountId, key, error);
        await markSource(source, 'failed', prefixes[0]!.prefix, deps.clock.now());
        return { status: 'failed', reason: describeError(error), urls: [], warnings: [] };
      }
    } finally {
      await lock.unlock();
      await rm(work, { recursive: true, force: true });
    }
  }
}

async function alreadyDone(
  details: Record<string, unknown> | undefined,
  deps: TargetDependencies,
): Promise<AssetMigrationResult> {
  const urls = await urlsFromLedger(details, deps.mediaStorage);
  return { status: 'skipped', reason: 'already migrated', urls, warnings: [] };
}

const STALE_WORK_MS = 12 * 3600_000;
let lastSweep = 0;

/** Removes work folders a killed run left behind (untouched for 12 hours), at most once an hour. */
async function sweepStaleWorkFolders(root: string, now: number): Promise<void> {
  if (now - lastSweep < 3600_000) return;
  lastSweep = now;
  for (const name of await readdir(root).catch(() => [] as string[])) {
    if (!name.startsWith('lifeboat-static-')) continue;
    const path = join(root, name);
    const info = await stat(path).catch(() => undefined);
    if (info?.isDirectory() && now - info.mtimeMs > STALE_WORK_MS)
      await rm(path, { recursive: true, force: true });
  }
}

/** Merges the migration state into the source container's metadata, keeping what is there. */
async function markSource(
  source: ContainerClient,
  status: string,
  prefix: string,
  now: number,
): Promise<void> {
  try {
    const current = (await source.getProperties()).metadata ?? {};
    await source.setMetadata({
      ...current,
      [METADATA_KEYS.status]: status,
      [METADATA_KEYS.at]: new Date(now).toISOString(),
      [METADATA_KEYS.output]: encodeURIComponent(prefix),
    });
  } catch (error) {
    // A missing container has no metadata to carry the state; the ledger still has it.
    if ((error as { statusCode?: number }).statusCode !== 404) throw error;
  }
}

async function migrateLocked(
  ctx: Context,
  prefixes: Array<{ locatorId?: string; prefix: string }>,
  lock: OutputLock,
): Promise<AssetMigrationResult> {
  const { asset, options, source, output } = ctx;
  if (!(await source.exists()))
    throw new Unmigratable('the asset container does not exist', 'missing');
  const list = await listAllBlobs(source, options.listPageSize);
  const blobs = new Map(list.map((b) => [b.name, b]));
  const decrypt = await storageDecryption(ctx);
  const { name: ismName, others } = pickIsm(list.map((b) => b.name));
  let ism: IsmManifest | undefined;
  if (ismName) {
    try {
      ism = parseIsm(
        (await downloadSmall(source.getBlobClient(ismName), decrypt(ismName))).toString('utf8'),
      );
    } catch (error) {
      throw new Unmigratable(
        `the server manifest ${ismName} cannot be read: ${describeError(error)}`,
        'unknown',
      );
    }
  }
  const classification = classify({
    containerExists: true,
    blobNames: list.map((b) => b.name),
    ism,
  });
  if (classification.unmigratable)
    throw new Unmigratable(classification.unmigratable, classification.kind);
  const warnings = others.length
    ? [`more than one .ism: ${ismName} was used, ${others.join(', ')} ignored`]
    : [];
  const started = ctx.deps.clock.now();

  if (classification.kind === 'non-streamable') {
    const copied = await copyAsIs(ctx, list, prefixes, decrypt);
    const urls = prefixes.flatMap(({ locatorId, prefix }) =>
      locatorId
        ? list.map((b): NewUrl => ({
            streamingLocatorId: locatorId,
            kind: 'download',
            file: b.name,
            url: publicUrl(options.baseUrl, `${prefix}/${b.name}`),
          }))
        : [],
    );
    return {
      status: 'done',
      urls,
      warnings,
      details: {
        kind: 'non-streamable',
        files: list.length,
        bytes: copied,
        outputPrefix: prefixes[0]!.prefix,
        ms: ctx.deps.clock.now() - started,
      },
    };
  }

  const totalBytes = list.reduce((sum, b) => sum + b.size, 0);
  if (totalBytes * 2.2 > options.maxTempBytes) {
    throw new Error(
      `the asset needs about ${Math.ceil((totalBytes * 2.2) / 1024 ** 2)} MiB of temporary disk, more than maxTempBytes allows`,
    );
  }
  const inputs = join(ctx.work, 'in');
  const out = join(ctx.work, 'out');
  await mkdir(inputs, { recursive: true });
  await mkdir(out, { recursive: true });
  const prepared = await prepareInputs(ctx, ism!, classification.kind, blobs, inputs, decrypt);
  warnings.push(...prepared.warnings);
  lock.check();

  let encryption: { keyIdHex: string; keyHex: string; hlsKeyUri: string } | undefined;
  if (options.encrypt) {
    const keyIdHex = randomBytes(16).toString('hex');
    const keyHex = randomBytes(16).toString('hex');
    await ctx.deps.secrets.put(
      outputKeySecretName(keyIdHex),
      JSON.stringify({ keyId: keyIdHex, key: Buffer.from(keyHex, 'hex').toString('base64') }),
      {
        asset: asset.assetName.slice(0, 200),
        purpose: 'static-output-key',
      },
    );
    encryption = { keyIdHex, keyHex, hlsKeyUri: `${options.keyDeliveryUrl}/${keyIdHex}` };
  }
  const packaged = await runPackager(options.packagerPath ?? defaultPackagerPath(), {
    outputDir: out,
    streams: prepared.streams,
    hlsMaster: HLS_MANIFEST,
    mpd: DASH_MANIFEST,
    segmentDuration: options.segmentDuration,
    encryption,
  });
  await verifyHls(out, HLS_MANIFEST);
  await verifyDash(out, DASH_MANIFEST);
  const checks = await verifyTracks(out, prepared.expected);
  lock.check();

  // Filtered manifests, one set per distinct filter combination of the asset's locators.
  const filteredUrls: Array<{ filters: string[]; hls?: string; dash?: string }> = [];
  const combos = new Map<string, string[]>();
  for (const locator of asset.locators)
    if (locator.filters.length) combos.set(locator.filters.join(';'), locator.filters);
  if (combos.size) {
    const playlists = new Map<string, string>();
    for (const t of prepared.tracks)
      playlists.set(t.playlist, await readFile(join(out, t.playlist), 'utf8'));
    const sources = {
      master: HLS_MANIFEST,
      mpd: DASH_MANIFEST,
      masterText: await readFile(join(out, HLS_MANIFEST), 'utf8'),
      mpdText: await readFile(join(out, DASH_MANIFEST), 'utf8'),
      playlists,
    };
    for (const filters of combos.values()) {
      const built = buildFilteredManifests(filters, asset.filters, prepared.tracks, sources);
      warnings.push(...built.warnings);
      for (const [name, text] of built.files) await writeFile(join(out, name), text);
      if (built.hls) await verifyHls(out, built.hls);
      if (built.dash) await verifyDash(out, built.dash);
      filteredUrls.push({ filters, hls: built.hls, dash: built.dash });
    }
  }

  // Upload to the first folder, then copy server-side to the others.
  const first = prefixes[0]!.prefix;
  const files = await readdir(out);
  const audioOnly = new Set(prepared.tracks.filter((t) => t.kind === 'audio').map((t) => t.output));
  let bytesOut = 0;
  await inParallel(files, 4, async (file) => {
    bytesOut += (await stat(join(out, file))).size;
    await uploadFile(
      output,
      `${first}/${file}`,
      join(out, file),
      options,
      contentTypeOf(file, audioOnly.has(file)),
    );
  });
  const downloads = prepared.downloads.filter((d) => !files.includes(d.name));
  for (const d of prepared.downloads)
    if (files.includes(d.name))
      warnings.push(`download ${d.name} collides with a packaged file and was not copied`);
  await copyAsIs(ctx, downloads, [prefixes[0]!], decrypt);
  const firstFolderFiles = [...files, ...downloads.map((d) => d.name)];
  for (const { prefix } of prefixes.slice(1)) {
    if (prefix === first) continue;
    await inParallel(firstFolderFiles, options.concurrency, async (file) => {
      const from = output.getBlobClient(`${first}/${file}`);
      const size = (await from.getProperties()).contentLength ?? 0;
      const url = await readableUrl(
        from,
        ctx.deps.mediaStorage.service(options.outputStorageAccount),
        ctx.deps.clock.now(),
      );
      await serverCopy(
        url,
        output.getBlobClient(`${prefix}/${file}`),
        size,
        contentTypeOf(file, audioOnly.has(file)),
      );
    });
  }

  const urls: NewUrl[] = [];
  for (const { locatorId, prefix } of prefixes) {
    if (!locatorId) continue;
    urls.push({
      streamingLocatorId: locatorId,
      kind: 'hls',
      url: publicUrl(options.baseUrl, `${prefix}/${HLS_MANIFEST}`),
    });
    urls.push({
      streamingLocatorId: locatorId,
      kind: 'dash',
      url: publicUrl(options.baseUrl, `${prefix}/${DASH_MANIFEST}`),
    });
    const locator = asset.locators.find((l) => l.streamingLocatorId === locatorId);
    const filtered = filteredUrls.find(
      (f) => locator && f.filters.join(';') === locator.filters.join(';'),
    );
    if (filtered?.hls)
      urls.push({
        streamingLocatorId: locatorId,
        kind: 'hls',
        filters: filtered.filters,
        url: publicUrl(options.baseUrl, `${prefix}/${filtered.hls}`),
      });
    if (filtered?.dash)
      urls.push({
        streamingLocatorId: locatorId,
        kind: 'dash',
        filters: filtered.filters,
        url: publicUrl(options.baseUrl, `${prefix}/${filtered.dash}`),
      });
    for (const d of downloads)
      urls.push({
        streamingLocatorId: locatorId,
        kind: 'download',
        file: d.name,
        url: publicUrl(options.baseUrl, `${prefix}/${d.name}`),
      });
  }
  if (asset.locators.length)
    warnings.push(
      'Smooth Streaming URLs have no static equivalent: players must move to the HLS or DASH URL',
    );
  for (const gap of prepared.gaps) {
    warnings.push(
      `track ${gap.track}: the fragment at ${gap.time} (${(gap.time / gap.timescale).toFixed(3)} s) is missing from storage; the output has a gap`,
    );
  }
  return {
    status: 'done',
    urls,
    warnings,
    details: {
      kind: classification.kind,
      tracks: checks.length + prepared.tracks.filter((t) => t.kind === 'text').length,
      samples: checks.reduce((s, c) => s + c.outputSamples, 0),
      gaps: prepared.gaps.length,
      bytesIn: prepared.bytesIn,
      bytesOut,
      packagerMs: packaged.durationMs,
      packagerPeakRssBytes: packaged.peakRssBytes,
      encrypted: Boolean(encryption),
      ...(encryption ? { keyId: encryption.keyIdHex } : {}),
      outputPrefix: first,
      ms: ctx.deps.clock.now() - started,
    },
  };
}

/** Per-file decryption of a storage-encrypted asset (identity for the others). */
async function storageDecryption(ctx: Context): Promise<(name: string) => Decryption | undefined> {
  const { asset, deps } = ctx;
  if ((asset.storageEncryptionFormat ?? '').toLowerCase() !== STORAGE_ENCRYPTION)
    return () => undefined;
  if (!asset.storageEncryptionSecret) {
    throw new Unmigratable(
      'the asset is storage-encrypted and its key was not exported (getEncryptionKey) before the account turned read-only',
      'unknown',
    );
  }
  const json = await deps.secrets.get(asset.storageEncryptionSecret);
  if (!json)
    throw new Unmigratable(
      'the asset is storage-encrypted and its exported key is not in the secret store',
      'unknown',
    );
  let data: StorageEncryptionData;
  try {
    data = parseStorageEncryptionData(json);
  } catch (error) {
    throw new Unmigratable(
      `the asset's storage-encryption data is unusable: ${describeError(error)}`,
      'unknown',
    );
  }
  const key = keyBytes(data.key);
  const ivs = new Map(
    data.assetFileEncryptionMetadata.map((f) => [f.assetFileName, ivBytes(f.initializationVector)]),
  );
  return (name) => {
    // Live-archive blobs sit in folders; AMS keyed the metadata by the file name.
    const iv = ivs.get(name) ?? ivs.get(name.split('/').pop() ?? name);
    if (!iv) throw new Error(`no storage-encryption entry for ${name}`);
    return { key, iv };
  };
}

/** Copies files into each folder: by the service when they are plain, through the process (decrypting) when not. */
async function copyAsIs(
  ctx: Context,
  files: BlobEntry[],
  prefixes: Array<{ prefix: string }>,
  decrypt: (name: string) => Decryption | undefined,
): Promise<number> {
  const { options, source, output, deps } = ctx;
  const service = deps.mediaStorage.service(ctx.asset.storageAccountName);
  let bytes = 0;
  await inParallel(files, options.concurrency, async (file) => {
    const decryption = decrypt(file.name);
    const from = source.getBlobClient(file.name);
    let local: string | undefined;
    if (decryption) {
      local = join(ctx.work, `copy-${randomBytes(6).toString('hex')}`);
      await downloadToFile(from, local, options, decryption, file.size);
    }
    for (const { prefix } of prefixes) {
      const target = `${prefix}/${file.name}`;
      if (local) await uploadFile(output, target, local, options);
      else
        await serverCopy(
          await readableUrl(from, service, deps.clock.now()),
          output.getBlobClient(target),
          file.size,
          contentTypeOf(file.name),
        );
    }
    if (local) await rm(local, { force: true });
    bytes += file.size;
  });
  return bytes;
}

const LANGUAGE = /^[a-z]{2,3}(-[A-Za-z0-9]{1,8})*$/;

function safeLabel(value: string): string {
  return value.replace(/[,=\s]+/g, '_').replace(/[^\w.-]/g, '') || 'track';
}

async function prepareInputs(
  ctx: Context,
  ism: IsmManifest,
  kind: AssetKind,
  blobs: Map<string, BlobEntry>,
  dir: string,
  decrypt: (name: string) => Decryption | undefined,
): Promise<Prepared> {
  const { source, options } = ctx;
  const prepared: Prepared = {
    kind,
    streams: [],
    expected: [],
    tracks: [],
    warnings: [],
    gaps: [],
    bytesIn: 0,
    downloads: [],
  };
  const localOf = new Map<string, string>();
  let counter = 0;
  const used = new Set<string>();
  const uniqueName = (base: string) => {
    let name = base;
    for (let i = 2; used.has(name); i++) name = `${base}-${i}`;
    used.add(name);
    return name;
  };

  let ismc: IsmcManifest | undefined;
  if (kind === 'live-archive') {
    const ismcName =
      ism.clientManifest && blobs.has(ism.clientManifest)
        ? ism.clientManifest
        : [...blobs.keys()].find((n) => !n.includes('/') && /\.ismc$/i.test(n));
    if (ismcName)
      ismc = parseIsmc(
        (await downloadSmall(source.getBlobClient(ismcName), decrypt(ismcName))).toString('utf8'),
      );
    else
      prepared.warnings.push(
        'the live archive has no .ismc: fragments were taken as found, gaps cannot be detected',
      );
  }

  // Fetch each source once (several tracks can share one .ismv or one encoder MP4).
  const fetchFile = async (src: string): Promise<string> => {
    const existing = localOf.get(src);
    if (existing) return existing;
    const entry = blobs.get(src);
    if (!entry) throw new Error(`the .ism names ${src}, which is not in the container`);
    const local = join(dir, `src-${counter++}`);
    await downloadToFile(source.getBlobClient(src), local, options, decrypt(src), entry.size);
    prepared.bytesIn += entry.size;
    localOf.set(src, local);
    return local;
  };
  const summaries = new Map<string, TrackSummary[]>();
  const summaryOf = async (local: string) => {
    let s = summaries.get(local);
    if (!s) {
      s = await summarizeMp4File(local);
      summaries.set(local, s);
    }
    return s;
  };

  const seen = new Set<string>();
  const positions = { video: 0, audio: 0, text: 0 };
  for (const track of ism.tracks) {
    const identity = `${track.type}|${track.src}|${track.trackId ?? ''}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    const position = positions[track.type]++;
    const language = normalizeLanguage(track.language);

    if (track.type === 'text') {
      const vttPath = join(dir, `text-${counter++}.vtt`);
      if (kind === 'live-archive') {
        const built = await rebuildTtmlAsWebVtt(
          source,
          track,
          streamFor(track, ismc, position),
          blobs,
          decrypt,
        );
        prepared.gaps.push(...built.gaps);
        await writeFile(vttPath, built.vtt);
      } else {
        const entry = blobs.get(track.src);
        if (!entry) throw new Error(`the .ism names ${track.src}, which is not in the container`);
        const data = await downloadSmall(source.getBlobClient(track.src), decrypt(track.src));
        prepared.bytesIn += entry.size;
        const text = data.toString('utf8');
        if (/\.(ttml|dfxp|xml)$/i.test(track.src))
          await writeFile(vttPath, toWebVtt(parseTtml(text)));
        else if (/\.vtt$/i.test(track.src)) await writeFile(vttPath, text);
        else if (/\.(ismt|cmft)$/i.test(track.src)) {
          // Smooth/CMAF text: TTML samples in a fragmented MP4 file.
          await writeFile(vttPath, toWebVtt(ttmlFromFragmentedFile(data).flatMap(parseTtml)));
        } else {
          prepared.warnings.push(
            `text track ${track.src} is not WebVTT or TTML and was not carried over`,
          );
          continue;
        }
      }
      const name = uniqueName(`text-${safeLabel(language ?? 'und')}`);
      prepared.streams.push({
        input: vttPath,
        stream: 'text',
        output: `${name}.vtt`,
        playlistName: `${name}.m3u8`,
        language,
        hlsGroupId: 'text',
        hlsName: safeLabel(track.trackName ?? language ?? 'subtitles'),
      });
      prepared.tracks.push({
        kind: 'text',
        output: `${name}.vtt`,
        playlist: `${name}.m3u8`,
        name: track.trackName,
        language,
        fourCC: 'wvtt',
      });
      continue;
    }

    let local: string;
    if (kind === 'live-archive') {
      local = join(dir, `live-${counter++}.mp4`);
      const rebuilt = await rebuildTrack(
        source,
        track,
        streamFor(track, ismc, position),
        blobs,
        local,
        options.concurrency,
        decrypt,
      );
      prepared.gaps.push(...rebuilt.gaps);
      prepared.bytesIn += rebuilt.bytes;
    } else {
      local = await fetchFile(track.src);
    }
    const tracks = await summaryOf(local);
    const index =
      track.trackId !== undefined
        ? tracks.findIndex((t) => t.trackId === track.trackId)
        : tracks.findIndex((t) => t.kind === track.type);
    const info = tracks[index] ?? (tracks.length === 1 ? tracks[0] : undefined);
    if (!info || info.kind !== track.type) {
      throw new Error(
        `${track.src} has no ${track.type} track${track.trackId !== undefined ? ` with id ${track.trackId}` : ''}`,
      );
    }
    const lang = language ?? normalizeLanguage(info.language);
    const kbps = Math.round((track.bitrate ?? 0) / 1000);
    const base =
      track.type === 'video'
        ? `video-${info.width ?? 0}x${info.height ?? 0}${kbps ? `-${kbps}k` : ''}`
        : `audio-${safeLabel(lang ?? 'und')}${kbps ? `-${kbps}k` : ''}`;
    const name = uniqueName(base);
    const output = `${name}.mp4`;
    prepared.streams.push({
      input: local,
      stream: String(tracks.indexOf(info)),
      output,
      playlistName: `${name}.m3u8`,
      ...(track.type === 'audio'
        ? {
            language: lang,
            hlsGroupId: 'audio',
            hlsName: safeLabel(track.trackName ?? lang ?? name),
          }
        : {}),
    });
    prepared.expected.push({ output, source: info });
    prepared.tracks.push({
      kind: track.type,
      output,
      playlist: `${name}.m3u8`,
      name: track.trackName,
      language: lang,
      bitrate: track.bitrate,
      fourCC: info.codec,
    });
  }
  if (!prepared.tracks.some((t) => t.kind === 'video' || t.kind === 'audio'))
    throw new Unmigratable('the .ism lists no audio or video track', kind);

  // Loose WebVTT files the .ism does not list (sidecar captions) come along as text tracks.
  const listed = new Set(ism.tracks.map((t) => t.src));
  for (const [name, entry] of blobs) {
    if (name.includes('/') || !/\.vtt$/i.test(name) || listed.has(name)) continue;
    const vttPath = join(dir, `text-${counter++}.vtt`);
    await writeFile(vttPath, await downloadSmall(source.getBlobClient(name), decrypt(name)));
    prepared.bytesIn += entry.size;
    const label = uniqueName(`text-${safeLabel(name.replace(/\.vtt$/i, ''))}`);
    prepared.streams.push({
      input: vttPath,
      stream: 'text',
      output: `${label}.vtt`,
      playlistName: `${label}.m3u8`,
      hlsGroupId: 'text',
      hlsName: safeLabel(name.replace(/\.vtt$/i, '')),
    });
    prepared.tracks.push({
      kind: 'text',
      output: `${label}.vtt`,
      playlist: `${label}.m3u8`,
      fourCC: 'wvtt',
    });
  }
  if (kind === 'encoded') {
    prepared.downloads = [...blobs.values()].filter(
      (b) => !b.name.includes('/') && /\.mp4$/i.test(b.name),
    );
  }
  return prepared;
}

function normalizeLanguage(value: string | undefined): string | undefined {
  const v = value?.trim();
  if (!v || v.toLowerCase() === 'und') return undefined;
  return LANGUAGE.test(v) ? v : undefined;
}

/** A batch of assets, a few at a time; one asset's failure never fails the others. */
export async function migrateStaticBatch(
  assets: AssetToMigrate[],
  options: StaticTargetOptionsInput,
  deps: TargetDependencies,
  onResult?: (asset: AssetToMigrate, result: AssetMigrationResult) => void,
): Promise<Array<AssetMigrationResult & { assetName: string }>> {
  const target = new StaticTarget(options);
  const results: Array<AssetMigrationResult & { assetName: string }> = new Array(assets.length);
  await inParallel(assets, target.options.assetConcurrency, async (asset, i) => {
    let result: AssetMigrationResult;
    try {
      result = await target.migrateAsset(asset, deps);
    } catch (error) {
      // Ledger or lock trouble outside the asset's own try: still only this asset fails.
      result = { status: 'failed', reason: describeError(error), urls: [], warnings: [] };
    }
    results[i] = { assetName: asset.assetName, ...result };
    onResult?.(asset, result);
  });
  return results;
}
