import { outputStamp } from '../pipeline/output-stamp';
import { canonicalAccountId, parseAccountId } from '../account-id';
import type { Ledger } from '../ledger/ledger';
import { LedgerKinds } from '../export/export-keys';
import { derivePaths, readAssetFiles, type LocatorPaths } from '../export/paths';
import type { BuildUrlMapInput, UrlMapRef } from '../pipeline/contracts';
import type { PipelineDependencies } from '../pipeline/dependencies';
import { forEachLimited } from '../snapshot/pool';
import type { LocatorRecord } from '../snapshot/records';
import { snapshotReader, type SnapshotReader } from '../snapshot/snapshot-reader';
import { sectionsByName } from '../snapshot/streaming-policy';
import { urlsFromLedger } from '../targets/ledger-urls';
import type { MediaStorage } from '../storage/media-storage';
import { describeError } from '../telemetry/redact';
import { FORMATS_BY_PROTOCOL, buildUrl, kindOf, matchKey, parseUrl } from './grammar';
import { streamingHosts, type StreamingHost } from './hosts';
import { UrlMapWriter, type UrlMapRow } from './writer';

/** Ledger kind of a migrated asset (per target); its details hold the new URLs (see targets/ledger-urls). */
export const ASSET_KIND = 'asset';
const CHUNK = 64;

export function urlMapPaths(accountId: string, at: number): { jsonPath: string; csvPath: string } {
  const ref = parseAccountId(accountId);
  const stamp = outputStamp(at);
  const base =
    `urlmaps/${ref.subscriptionId}/${ref.resourceGroup}/${ref.accountName}/${stamp}`.toLowerCase();
  return { jsonPath: `${base}/urlmap.json`, csvPath: `${base}/urlmap.csv` };
}

/** New URLs of an asset for each target, by match key. */
async function newUrlsOf(
  ledger: Ledger,
  mediaStorage: MediaStorage,
  accountId: string,
  asset: string,
  targets: string[],
): Promise<Map<string, { url: string; target: string }>> {
  const out = new Map<string, { url: string; target: string }>();
  for (const target of targets) {
    const item = await ledger.get(accountId, { kind: ASSET_KIND, name: asset, target });
    if (item?.status !== 'done') continue;
    for (const u of await urlsFromLedger(item.details, mediaStorage)) {
      const key = matchKey({
        streamingLocatorId: u.streamingLocatorId,
        kind: u.kind,
        filters: u.filters ?? [],
        file: u.file,
      });
      if (!out.has(key)) out.set(key, { url: u.url, target });
    }
  }
  return out;
}

interface LocatorRows {
  rows: UrlMapRow[];
  missing?: string;
}

/**
 * Builds the URL map: every old URL (each endpoint and CDN or custom host, each protocol and
 * format, the unfiltered manifest, each asset or account filter alone and the combination a
 * locator's own filter list plays, each download) with its
 * locator and asset, and the new URL once a target handled the asset. Paths come from the export's
 * ledger rows; a locator without one gets derived paths (marked). Streamed to JSON and CSV.
 */
export async function buildUrlMap(
  deps: PipelineDependencies,
  input: BuildUrlMapInput,
): Promise<UrlMapRef> {
  await deps.ready();
  const accountId = canonicalAccountId(input.accountId);
  const snapshots = [input.snapshot, ...(input.deltas ?? [])].map((s) =>
    snapshotReader(deps.output, s.path),
  );
  // Hosts from the latest snapshot: every snapshot lists all endpoints.
  const latest = snapshots[snapshots.length - 1] ?? snapshots[0];
  if (!latest) throw new Error('buildUrlMap: no snapshot');
  const hosts = streamingHosts((await latest.small()).endpoints);
  const targets =
    input.targets ??
    String((await deps.ledger.getAccount(accountId))?.targets ?? '')
      .split(',')
      .filter(Boolean);
  const { jsonPath, csvPath } = urlMapPaths(accountId, deps.clock.now());
  const writer = new UrlMapWriter(deps.output, jsonPath, csvPath, {
    accountId,
    snapshot: input.snapshot.path,
    deltas: (input.deltas ?? []).map((d) => d.path),
    generatedAt: new Date(deps.clock.now()).toISOString(),
    hosts,
    targets,
  });
  let mapped = 0;
  let derived = 0;
  let missing = 0;
  const missingReasons: Array<{ locator: string; reason: string }> = [];
  // Delta snapshots hold only what was created after the one before; a name seen in an earlier
  // delta is not mapped twice (only delta names are kept, not the base's).
  const seenInDeltas = new Set<string>();

  for (const [index, reader] of snapshots.entries()) {
    const { accountFilters, assetFilters } = await reader.small();
    let chunk: LocatorRecord[] = [];
    const flush = async () => {
      const results: LocatorRows[] = new Array(chunk.length);
      await forEachLimited(chunk, 16, async (locator, i) => {
        results[i] = await rowsOf(deps, reader, accountId, locator, hosts, targets, [
          ...accountFilters.map((f) => f.name),
          ...(assetFilters.get((locator.assetName ?? '').toLowerCase()) ?? []).map((f) => f.name),
        ]);
      });
      for (const [i, result] of results.entries()) {
        if (result.missing) {
          missing += 1;
          if (missingReasons.length < 100)
            missingReasons.push({ locator: chunk[i]?.name ?? '', reason: result.missing });
        }
        for (const row of result.rows) {
          if (row.newUrl) mapped += 1;
          if (row.derived) derived += 1;
          await writer.write(row);
        }
      }
      chunk = [];
    };
    for await (const locator of reader.records<LocatorRecord>('streamingLocators')) {
      if (index > 0) {
        const key = locator.name.toLowerCase();
        if (seenInDeltas.has(key)) continue;
        seenInDeltas.add(key);
      }
      chunk.push(locator);
      if (chunk.length >= CHUNK) await flush();
    }
    await flush();
  }
  await writer.close({ rows: writer.count, mapped, derived, missing, missingReasons });
  deps.log(
    `url map ${accountId}: ${writer.count} old URLs, ${mapped} mapped, ${derived} derived, ${missing} locators without paths`,
  );
  return { jsonPath, csvPath, rows: writer.count, mapped, derived, missing };
}

async function pathsOf(
  deps: PipelineDependencies,
  reader: SnapshotReader,
  accountId: string,
  locator: LocatorRecord,
): Promise<{ paths?: LocatorPaths; missing?: string }> {
  const item = await deps.ledger.get(accountId, { kind: LedgerKinds.paths, name: locator.name });
  if (item?.status === 'done' && item.details) {
    const d = item.details as Partial<LocatorPaths>;
    return {
      paths: {
        streamingPaths: d.streamingPaths ?? [],
        downloadPaths: d.downloadPaths ?? [],
        derived: d.derived === true,
      },
    };
  }
  try {
    const { policies } = await reader.small();
    const sections = sectionsByName(locator.streamingPolicyName, policies);
    const asset = (await reader.assets()).get((locator.assetName ?? '').toLowerCase());
    if (!sections || !asset?.storageAccountName || !locator.streamingLocatorId)
      return {
        missing:
          item?.lastError ?? 'no exported paths, and the policy, asset or storage is unknown',
      };
    const files = await readAssetFiles(
      deps.mediaStorage.container(asset.storageAccountName, asset.container),
    );
    if (files.missing)
      return { missing: `no exported paths, and container ${asset.container} does not exist` };
    return {
      paths: derivePaths({
        streamingLocatorId: locator.streamingLocatorId,
        sections,
        manifests: files.manifests,
        files: files.files,
      }),
    };
  } catch (error) {
    return { missing: `no exported paths, and deriving them failed: ${describeError(error, 200)}` };
  }
}

/** AMS plays at most three filters combined (`filter=a;b;c`). */
const MAX_COMBINED_FILTERS = 3;

/**
 * The filter sets a locator's URLs are listed with: none, each filter alone, and the combination
 * the locator's own `filters` list names (in its order, capped at what AMS combines), unless that
 * combination is already one of the rows (a single filter, or the same set in another order).
 */
export function filterSetsOf(filterNames: string[], locatorFilters: string[]): string[][] {
  const sets: string[][] = [[], ...[...new Set(filterNames)].map((f) => [f])];
  const seen = new Set(sets.map(setKey));
  const combination = [...new Set(locatorFilters)].slice(0, MAX_COMBINED_FILTERS);
  if (combination.length > 1 && !seen.has(setKey(combination))) sets.push(combination);
  return sets;
}

function setKey(filters: string[]): string {
  return filters
    .map((f) => f.toLowerCase())
    .sort()
    .join(';');
}

async function rowsOf(
  deps: PipelineDependencies,
  reader: SnapshotReader,
  accountId: string,
  locator: LocatorRecord,
  hosts: StreamingHost[],
  targets: string[],
  filterNames: string[],
): Promise<LocatorRows> {
  const { paths, missing } = await pathsOf(deps, reader, accountId, locator);
  if (!paths) return { rows: [], missing };
  const asset = locator.assetName ?? '';
  const news =
    targets.length && asset
      ? await newUrlsOf(deps.ledger, deps.mediaStorage, accountId, asset, targets)
      : new Map();
  const filterSets = filterSetsOf(filterNames, locator.filters ?? []);
  const rows: UrlMapRow[] = [];
  const base = { locator: locator.name, asset, derived: paths.derived };
  for (const host of hosts) {
    for (const entry of paths.streamingPaths) {
      const formats =
        FORMATS_BY_PROTOCOL[entry.streamingProtocol as keyof typeof FORMATS_BY_PROTOCOL] ?? [];
      for (const path of entry.paths) {
        const parts = parseUrl(path, host.host);
        if (!parts?.manifest) continue;
        for (const format of formats) {
          for (const filters of filterSets) {
            const kind = kindOf(format);
            const found = news.get(
              matchKey({ streamingLocatorId: parts.streamingLocatorId, kind, filters }),
            );
            rows.push({
              ...base,
              oldUrl: buildUrl({ ...parts, kind, format, filters }),
              host: host.host,
              hostKind: host.kind,
              kind,
              format,
              filters,
              encryption: parts.encryption,
              streamingLocatorId: parts.streamingLocatorId,
              newUrl: found?.url,
              target: found?.target,
            });
          }
        }
      }
    }
    for (const path of paths.downloadPaths) {
      const parts = parseUrl(path, host.host);
      if (!parts || parts.kind !== 'download') continue;
      const found = news.get(
        matchKey({
          streamingLocatorId: parts.streamingLocatorId,
          kind: 'download',
          filters: [],
          file: parts.file,
        }),
      );
      rows.push({
        ...base,
        oldUrl: buildUrl(parts),
        host: host.host,
        hostKind: host.kind,
        kind: 'download',
        filters: [],
        streamingLocatorId: parts.streamingLocatorId,
        newUrl: found?.url,
        target: found?.target,
      });
    }
  }
  return { rows };
}
