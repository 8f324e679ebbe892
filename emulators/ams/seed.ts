import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { isObject, type Json } from './context';
import type { AmsCore } from './core';
import { collectionOf, childCollection, type Account, type Res } from './state';
import { typeByKey, indexLocator } from './types';
import { assetContainer, assetStorageAccount } from './asset-actions';
import { generateInto, type GenerateOptions, type GenerateReport } from './generate';

/** A resource in a seed: its name and its ARM body (`properties`, and `location`/`tags` where they apply). */
export interface SeedResource {
  name: string;
  properties?: Json;
  location?: string;
  tags?: Record<string, string>;
  /** Creation time (ISO); default: the emulator's now. */
  created?: string;
}

/** A child resource (asset filter, track, job, live output) names its parent. */
export interface SeedChild extends SeedResource {
  parent: string;
}

export interface SeedFile {
  name: string;
  /** Text content; or give `size` for that many synthetic bytes. */
  content?: string;
  size?: number;
}

export interface SeedAsset extends SeedResource {
  /** Blobs to write into the asset's container, or `sample` for the committed encoded asset. */
  files?: SeedFile[] | 'sample';
  /** v2-era storage encryption: what getEncryptionKey answers. */
  storageEncryption?: {
    key: string;
    files: Array<{ assetFileName: string; assetFileId: string; initializationVector: string }>;
  };
}

export interface SeedAccount {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location?: string;
  /** ISO date; default one year after the emulator's now. */
  retirementDate?: string;
  /** The one-time extension was already granted (the date given already includes it). */
  extensionGranted?: boolean;
  /** Extra account fields (tags, identity, and properties such as encryption or keyDelivery). */
  tags?: Record<string, string>;
  identity?: Json;
  properties?: Json;
  privateEndpointConnections?: SeedResource[];
  /** Storage account names; the first is primary. Default `<account>store`. */
  storageAccounts?: string[];
  assets?: SeedAsset[];
  contentKeyPolicies?: SeedResource[];
  streamingPolicies?: SeedResource[];
  streamingLocators?: SeedResource[];
  accountFilters?: SeedResource[];
  transforms?: SeedResource[];
  liveEvents?: SeedResource[];
  streamingEndpoints?: SeedResource[];
  assetFilters?: SeedChild[];
  tracks?: SeedChild[];
  jobs?: SeedChild[];
  liveOutputs?: SeedChild[];
  /** Generate a large account on top of what is listed. */
  generate?: GenerateOptions;
  /**
   * Insert resources exactly as given, without the checks a PUT makes (fixtures taken from
   * recorded responses, whose references may dangle).
   */
  raw?: boolean;
}

export interface SeedDescription {
  accounts: SeedAccount[];
  /** Long-running operations that already exist (fixtures), by id. */
  operations?: Array<{
    id: string;
    status: 'InProgress' | 'Succeeded' | 'Failed';
    kind?: 'account' | 'track' | 'resource';
  }>;
}

export interface SeedReport {
  accounts: Array<{ id: string; resources: Record<string, number>; generated?: GenerateReport }>;
}

// Beside this file in the sources; from dist/, back in the sources (tsc does not copy media).
const SAMPLE_DIR =
  [join(__dirname, 'media'), join(__dirname, '..', '..', '..', 'emulators', 'ams', 'media')].find(
    (dir) => existsSync(join(dir, 'sample.ism')),
  ) ?? join(__dirname, 'media');
let sampleFiles: Array<{ name: string; data: Buffer }> | undefined;

/** The committed sample encoded asset (see media/README.md). */
export function sampleMedia(): Array<{ name: string; data: Buffer }> {
  sampleFiles ??= readdirSync(SAMPLE_DIR)
    .filter((f) => f !== 'README.md')
    .map((name) => ({ name, data: readFileSync(join(SAMPLE_DIR, name)) }));
  return sampleFiles;
}

function fail(path: string, why: string): never {
  throw new Error(`Invalid seed at ${path}: ${why}`);
}

/** Checks the shape of a seed description, naming the first problem. */
export function validateSeed(value: unknown): SeedDescription {
  if (!isObject(value) || !Array.isArray(value.accounts))
    fail('$', 'expected { "accounts": [...] }');
  value.accounts.forEach((a: unknown, i: number) => {
    const at = `accounts[${i}]`;
    if (!isObject(a)) fail(at, 'expected an object');
    for (const k of ['subscriptionId', 'resourceGroup', 'name'])
      if (typeof a[k] !== 'string' || !a[k]) fail(`${at}.${k}`, 'required string');
    if (a.retirementDate !== undefined && Number.isNaN(Date.parse(String(a.retirementDate))))
      fail(`${at}.retirementDate`, 'expected an ISO date');
    for (const list of [
      'assets',
      'contentKeyPolicies',
      'streamingPolicies',
      'streamingLocators',
      'accountFilters',
      'transforms',
      'liveEvents',
      'streamingEndpoints',
      'assetFilters',
      'tracks',
      'jobs',
      'liveOutputs',
      'privateEndpointConnections',
    ]) {
      const items = a[list];
      if (items === undefined) continue;
      if (!Array.isArray(items)) fail(`${at}.${list}`, 'expected an array');
      items.forEach((r: unknown, j: number) => {
        if (!isObject(r) || typeof r.name !== 'string') fail(`${at}.${list}[${j}]`, 'needs a name');
        if (
          ['assetFilters', 'tracks', 'jobs', 'liveOutputs'].includes(list) &&
          typeof r.parent !== 'string'
        )
          fail(`${at}.${list}[${j}]`, 'needs a parent');
      });
    }
  });
  return value as unknown as SeedDescription;
}

async function writeFiles(
  core: AmsCore,
  account: Account,
  asset: Res,
  files: SeedFile[] | 'sample',
): Promise<void> {
  const ctx = core.ctx(account);
  const container = core.storage.container(
    assetStorageAccount(ctx, asset),
    assetContainer(ctx, asset),
  );
  if (!container) {
    asset.props.files =
      files === 'sample' ? sampleMedia().map((f) => f.name) : files.map((f) => f.name);
    return;
  }
  await container.createIfNotExists();
  const list =
    files === 'sample'
      ? sampleMedia().map((f) => ({ name: f.name, data: f.data }))
      : files.map((f) => ({
          name: f.name,
          data: f.content !== undefined ? Buffer.from(f.content) : Buffer.alloc(f.size ?? 0, 0x2e),
        }));
  await Promise.all(list.map((f) => container.getBlockBlobClient(f.name).uploadData(f.data)));
}

/** Applies a seed: accounts first, then each resource through the same checks as a PUT. */
export async function applySeed(core: AmsCore, description: SeedDescription): Promise<SeedReport> {
  const report: SeedReport = { accounts: [] };
  for (const spec of validateSeed(description).accounts) {
    const storageNames = spec.storageAccounts?.length
      ? spec.storageAccounts
      : [`${spec.name.toLowerCase()}store`];
    const account = core.putAccount(
      spec.subscriptionId,
      spec.resourceGroup,
      spec.name,
      {
        location: spec.location ?? 'West US 2',
        ...(spec.tags ? { tags: spec.tags } : {}),
        ...(spec.identity ? { identity: spec.identity } : {}),
        properties: {
          ...spec.properties,
          storageAccounts:
            (spec.properties?.storageAccounts as Json[] | undefined) ??
            storageNames.map((n, i) => ({
              id: `/subscriptions/${spec.subscriptionId}/resourceGroups/${spec.resourceGroup}/providers/Microsoft.Storage/storageAccounts/${n}`,
              type: i === 0 ? 'Primary' : 'Secondary',
            })),
        },
      },
      spec.retirementDate ? Date.parse(spec.retirementDate) : undefined,
    );
    if (spec.extensionGranted) account.extensionGrantedAt = core.clock.now() - 86_400_000;
    const ctx = core.ctx(account);
    const counts: Record<string, number> = {};
    const put = async (typeKey: string, r: SeedResource, parent?: Res) => {
      const def = typeByKey(typeKey);
      const body: Json = {
        properties: r.properties ?? {},
        ...(r.location ? { location: r.location } : {}),
        ...(r.tags ? { tags: r.tags } : {}),
      };
      const res = spec.raw
        ? rawResource(ctx, typeKey, r)
        : await def.build(ctx, r.name, body, undefined, parent);
      if (r.created) res.created = res.modified = Date.parse(r.created);
      (parent ? childCollection(parent, typeKey) : collectionOf(account, typeKey)).set(res);
      counts[typeKey] = (counts[typeKey] ?? 0) + 1;
      return res;
    };
    const parentOf = (typeKey: string, name: string) => {
      const p = collectionOf(account, typeKey).get(name);
      if (!p)
        throw new Error(`Invalid seed: ${typeKey} '${name}' does not exist in ${account.name}`);
      return p;
    };
    for (const a of spec.assets ?? []) {
      const res = await put('assets', a);
      if (a.storageEncryption) {
        res.props.storageEncryptionFormat = 'MediaStorageClientEncryption';
        res.props.encryption = {
          key: a.storageEncryption.key,
          assetFileEncryptionMetadata: a.storageEncryption.files,
        };
      }
      if (a.files) await writeFiles(core, account, res, a.files);
    }
    for (const r of spec.contentKeyPolicies ?? []) await put('contentKeyPolicies', r);
    for (const r of spec.streamingPolicies ?? []) await put('streamingPolicies', r);
    for (const r of spec.streamingLocators ?? []) await put('streamingLocators', r);
    for (const r of spec.accountFilters ?? []) await put('accountFilters', r);
    for (const r of spec.assetFilters ?? [])
      await put('assetFilters', r, parentOf('assets', r.parent));
    for (const r of spec.tracks ?? []) await put('tracks', r, parentOf('assets', r.parent));
    for (const r of spec.transforms ?? []) await put('transforms', r);
    for (const r of spec.jobs ?? []) await put('jobs', r, parentOf('transforms', r.parent));
    for (const r of spec.streamingEndpoints ?? []) await put('streamingEndpoints', r);
    for (const r of spec.liveEvents ?? []) await put('liveEvents', r);
    for (const r of spec.liveOutputs ?? [])
      await put('liveOutputs', r, parentOf('liveEvents', r.parent));
    for (const r of spec.privateEndpointConnections ?? [])
      await put('privateEndpointConnections', r);
    const generated = spec.generate ? await generateInto(core, account, spec.generate) : undefined;
    report.accounts.push({
      id: core.accountId(account),
      resources: counts,
      ...(generated ? { generated } : {}),
    });
  }
  for (const op of description.operations ?? [])
    core.seedOperation(op.id, op.status, op.kind ?? 'resource');
  return report;
}

/** A resource exactly as a recorded response shows it: computed fields are dropped, the rest kept. */
function rawResource(ctx: ReturnType<AmsCore['ctx']>, typeKey: string, r: SeedResource): Res {
  const props: Json = { ...(r.properties ?? {}) };
  const created = Date.parse(String(props.created ?? r.created ?? '')) || ctx.clock.now();
  const modified = Date.parse(String(props.lastModified ?? '')) || created;
  delete props.created;
  delete props.lastModified;
  const res: Res = { name: r.name, created, modified, props };
  if (r.location || r.tags)
    res.top = {
      ...(r.location ? { location: r.location } : {}),
      ...(r.tags ? { tags: r.tags } : {}),
    };
  if (typeKey === 'assets') props.assetId ??= ctx.newId();
  if (typeKey === 'streamingLocators') {
    props.streamingLocatorId ??= ctx.newId();
    if (Array.isArray(props.contentKeys))
      props.contentKeys = (props.contentKeys as Json[]).map((k) => ({
        value: ctx.randomKey(),
        ...k,
      }));
    indexLocator(ctx, res);
  }
  return res;
}

export { writeFiles };
