import { outputStamp } from '../pipeline/output-stamp';
import type { Asset, AzureMediaServices } from '@azure/arm-mediaservices';
import type { PagedAsyncIterableIterator } from '@azure/core-paging';
import { canonicalAccountId, parseAccountId, type AccountRef } from '../account-id';
import { readAccount } from '../ams/account';
import { withCallStats } from '../ams/call-stats';
import type { PipelineDependencies } from '../pipeline/dependencies';
import type { ResourceCounts, SnapshotRef, TakeSnapshotInput } from '../pipeline/contracts';
import { describeError } from '../telemetry/redact';
import {
  MANIFEST,
  snapshotBlob,
  type SnapshotFile,
  type SnapshotManifest,
  type SnapshotType,
} from './manifest';
import { NdjsonBlobWriter } from './ndjson-writer';
import { forEachLimited } from './pool';
import { moveSecrets } from './secret-fields';
import { policyEncrypts, sectionsOf, type PolicySection } from './streaming-policy';

/** `snapshots/{subscription}/{resourceGroup}/{account}/{takenAt}/`, lower-case, time without colons. */
export function snapshotPath(ref: AccountRef, takenAt: number): string {
  const stamp = outputStamp(takenAt);
  return `snapshots/${ref.subscriptionId}/${ref.resourceGroup}/${ref.accountName}/${stamp}/`.toLowerCase();
}

const CHILD_CONCURRENCY = 8;

/**
 * Takes an immutable snapshot of every resource type of an account with GETs only (it works on a
 * read-only account), one NDJSON blob per type streamed page by page, plus `manifest.json` with
 * counts and SHA-256 digests. A type that cannot be read is recorded with the reason and the
 * snapshot goes on. Secret values found in GET data go to the secret store.
 */
export async function takeSnapshot(
  deps: PipelineDependencies,
  input: TakeSnapshotInput,
): Promise<SnapshotRef> {
  await deps.ready();
  const accountId = canonicalAccountId(input.accountId);
  const ref = parseAccountId(accountId);
  const client = deps.ams.forSubscription(ref.subscriptionId);
  const takenAtMs = deps.clock.now();
  const takenAt = new Date(takenAtMs).toISOString();
  const path = snapshotPath(ref, takenAtMs);

  const { result, stats } = await withCallStats(() =>
    new SnapshotRun(deps, client, ref, accountId, path, input).run(),
  );
  const manifest: SnapshotManifest = { ...result, takenAt, requests: stats.requests };
  const body = JSON.stringify(manifest, null, 2);
  await deps.output
    .getBlockBlobClient(snapshotBlob(path, MANIFEST))
    .upload(body, Buffer.byteLength(body), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
    });
  deps.log(
    `snapshot ${accountId}: ${Object.entries(manifest.counts)
      .map(([k, v]) => `${k}=${v}`)
      .join(
        ' ',
      )}${manifest.unreadable.length ? ` unreadable=${manifest.unreadable.map((u) => u.type).join(',')}` : ''}`,
  );
  return {
    path,
    container: deps.output.containerName,
    takenAt,
    counts: manifest.counts,
    unreadable: manifest.unreadable,
    readOnly: manifest.readOnly,
    resourceCounts: manifest.resourceCounts,
  };
}

type ManifestBody = Omit<SnapshotManifest, 'takenAt' | 'requests'>;

class SnapshotRun {
  private readonly files: Partial<Record<SnapshotType, SnapshotFile>> = {};
  private readonly unreadable: Array<{ type: string; reason: string }> = [];
  private secretsMoved = 0;
  private readonly writers = new Map<SnapshotType, NdjsonBlobWriter>();
  /** Streaming policy name (lower) -> sections; small (policies, not locators). */
  private readonly policies = new Map<string, PolicySection[]>();
  private readonly accountFilterNames = new Set<string>();
  /** Assets whose locators name filters that are not account filters (for `referenced`). */
  private readonly assetsWithOwnFilters = new Set<string>();
  private encryptedLocators = 0;

  constructor(
    private readonly deps: PipelineDependencies,
    private readonly client: AzureMediaServices,
    private readonly ref: AccountRef,
    private readonly accountId: string,
    private readonly path: string,
    private readonly input: TakeSnapshotInput,
  ) {}

  async run(): Promise<ManifestBody> {
    const { client, ref } = this;
    const rg = ref.resourceGroup;
    const name = ref.accountName;
    const reading = await readAccount(client, ref);
    if (!reading.exists) throw new Error(`account ${this.accountId} does not exist (404)`);
    const retirementDate = reading.retirementDate;
    const readOnly =
      retirementDate !== undefined && Date.parse(retirementDate) <= this.deps.clock.now();
    await this.record('account', { ...reading.account, retirementDate });

    const created = this.input.createdAfter
      ? `properties/created gt ${new Date(this.input.createdAfter).toISOString()}`
      : undefined;

    await this.list('accountFilters', client.accountFilters.list(rg, name), (f) => {
      if (f.name) this.accountFilterNames.add(f.name.toLowerCase());
    });
    await this.list('streamingPolicies', client.streamingPolicies.list(rg, name), (p) => {
      if (p.name) this.policies.set(p.name.toLowerCase(), sectionsOf(p));
    });
    await this.list(
      'contentKeyPolicies',
      client.contentKeyPolicies.list(rg, name, { filter: created }),
    );
    await this.list(
      'streamingLocators',
      client.streamingLocators.list(rg, name, { filter: created }),
      (l) => {
        const encrypted =
          policyEncrypts(l.streamingPolicyName, this.policies) ?? (l.contentKeys?.length ?? 0) > 0;
        if (encrypted) this.encryptedLocators += 1;
        const own = (l.filters ?? []).some((f) => !this.accountFilterNames.has(f.toLowerCase()));
        if (own && l.assetName) this.assetsWithOwnFilters.add(l.assetName.toLowerCase());
      },
    );
    await this.listWithChildren(
      'assets',
      client.assets.list(rg, name, { filter: created }),
      async (asset) => {
        if (!asset.name) return;
        const wantFilters =
          (this.input.assetFilters ?? 'all') === 'all' ||
          this.assetsWithOwnFilters.has(asset.name.toLowerCase());
        if (wantFilters)
          await this.listChild('assetFilters', client.assetFilters.list(rg, name, asset.name), {
            assetName: asset.name,
          });
        if (this.input.includeTracks)
          await this.listChild('tracks', client.tracks.list(rg, name, asset.name), {
            assetName: asset.name,
          });
      },
      (page) => this.recordContainers(page),
    );
    await this.list('streamingEndpoints', client.streamingEndpoints.list(rg, name));
    await this.listWithChildren('liveEvents', client.liveEvents.list(rg, name), async (event) => {
      if (event.name)
        await this.listChild('liveOutputs', client.liveOutputs.list(rg, name, event.name), {
          liveEventName: event.name,
        });
    });
    await this.listWithChildren('transforms', client.transforms.list(rg, name), async (t) => {
      if (t.name)
        await this.listChild('jobs', client.jobs.list(rg, name, t.name), { transformName: t.name });
    });

    for (const [type, writer] of this.writers) {
      this.files[type] = { blob: `${type}.ndjson`, ...(await writer.close()), ...this.files[type] };
    }
    for (const [type, failure] of this.childFailures)
      this.unreadable.push({
        type,
        reason: `${failure.count} list(s) could not be read, e.g. ${failure.examples.join(' | ')}`,
      });
    const counts: Record<string, number> = {};
    for (const [type, file] of Object.entries(this.files)) counts[type] = file.count;
    counts.encryptedLocators = this.encryptedLocators;
    return {
      version: 1,
      accountId: this.accountId,
      readOnly,
      retirementDate,
      createdAfter: this.input.createdAfter,
      files: this.files,
      counts,
      resourceCounts: this.resourceCounts(counts),
      unreadable: this.unreadable,
      secretsMoved: this.secretsMoved,
    };
  }

  private resourceCounts(c: Record<string, number>): ResourceCounts {
    const n = (k: string) => c[k] ?? 0;
    return {
      assets: n('assets'),
      streamingLocators: n('streamingLocators'),
      encryptedLocators: this.encryptedLocators,
      contentKeyPolicies: n('contentKeyPolicies'),
      streamingPolicies: n('streamingPolicies'),
      assetFilters: n('assetFilters'),
      accountFilters: n('accountFilters'),
      streamingEndpoints: n('streamingEndpoints'),
      liveEvents: n('liveEvents'),
      transforms: n('transforms'),
      jobs: n('jobs'),
    };
  }

  private writer(type: SnapshotType): NdjsonBlobWriter {
    let writer = this.writers.get(type);
    if (!writer) {
      writer = new NdjsonBlobWriter(
        this.deps.output.getBlockBlobClient(snapshotBlob(this.path, `${type}.ndjson`)),
      );
      this.writers.set(type, writer);
    }
    return writer;
  }

  private async record(type: SnapshotType, model: object): Promise<void> {
    const name = (model as { name?: string }).name ?? '';
    const { record, secrets } = await moveSecrets(
      model,
      this.deps.secrets,
      [this.accountId, type, name],
      { account: this.accountId, type, resource: name },
    );
    this.secretsMoved += secrets.length;
    await this.writer(type).write(record);
  }

  /** Child lists that failed, per type: a count and the first few reasons (not one entry per asset). */
  private readonly childFailures = new Map<SnapshotType, { count: number; examples: string[] }>();

  private markUnreadable(type: SnapshotType, error: unknown, scope?: string): void {
    this.files[type] = { ...(this.files[type] as SnapshotFile), partial: true };
    if (scope) {
      const entry = this.childFailures.get(type) ?? { count: 0, examples: [] };
      entry.count += 1;
      if (entry.examples.length < 5) entry.examples.push(`${scope}: ${describeError(error, 200)}`);
      this.childFailures.set(type, entry);
      return;
    }
    const written = this.writers.get(type)?.records ?? 0;
    this.unreadable.push({
      type,
      reason: `${describeError(error, 300)}; ${written} ${type} read before it`,
    });
  }

  /** Streams a top-level list page by page into its file. */
  private async list<T extends object>(
    type: SnapshotType,
    iterator: PagedAsyncIterableIterator<T>,
    onItem?: (item: T) => void,
  ): Promise<void> {
    this.writer(type);
    try {
      for await (const page of iterator.byPage()) {
        for (const item of page) {
          onItem?.(item);
          await this.record(type, item);
        }
      }
    } catch (error) {
      this.markUnreadable(type, error);
    }
  }

  /**
   * Where each asset's blobs live, so a blob event in that container reaches this account's
   * orchestration (whatever the container's name). One page at a time: memory stays flat.
   */
  private async recordContainers(page: Asset[]): Promise<void> {
    const byStorage = new Map<string, string[]>();
    for (const asset of page) {
      if (!asset.container || !asset.storageAccountName) continue;
      const list = byStorage.get(asset.storageAccountName) ?? [];
      list.push(asset.container);
      byStorage.set(asset.storageAccountName, list);
    }
    for (const [storageAccount, containers] of byStorage)
      await this.deps.containers.recordContainers(this.accountId, storageAccount, containers);
  }

  /**
   * Like list, and for each page runs `children` on its items with bounded concurrency, then
   * `onPage` on the whole page.
   */
  private async listWithChildren<T extends object>(
    type: SnapshotType,
    iterator: PagedAsyncIterableIterator<T>,
    children: (item: T) => Promise<void>,
    onPage?: (page: T[]) => Promise<void>,
  ): Promise<void> {
    this.writer(type);
    try {
      for await (const page of iterator.byPage()) {
        for (const item of page) await this.record(type, item);
        await forEachLimited(page, CHILD_CONCURRENCY, children);
        await onPage?.(page);
      }
    } catch (error) {
      this.markUnreadable(type, error);
    }
  }

  private async listChild<T extends object>(
    type: SnapshotType,
    iterator: PagedAsyncIterableIterator<T>,
    parent: Record<string, string>,
  ): Promise<void> {
    this.writer(type);
    try {
      for await (const page of iterator.byPage()) {
        for (const item of page) await this.record(type, { ...item, ...parent });
      }
    } catch (error) {
      this.markUnreadable(type, error, Object.values(parent).join('/'));
    }
  }
}
