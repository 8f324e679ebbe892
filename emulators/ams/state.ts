/**
 * The emulator's in-memory state. Kept compact because an account can hold 200,000 assets and as
 * many locators: a resource keeps only what was given or generated (timestamps as numbers,
 * defaults computed when rendered), and children (filters, tracks, jobs, outputs) only exist on
 * the few parents that have them.
 */
export interface Res {
  name: string;
  created: number;
  modified: number;
  props: Record<string, unknown>;
  /** Top-level ARM fields besides properties: location, tags, sku, identity. */
  top?: Record<string, unknown>;
  children?: Map<string, Collection>;
}

/** One collection of named resources (case-insensitive names) with a name-sorted view for paging. */
export class Collection {
  readonly map = new Map<string, Res>();
  private sorted: Res[] | undefined;
  private orderCache = new Map<string, Res[]>();
  version = 0;

  get(name: string): Res | undefined {
    return this.map.get(name.toLowerCase());
  }

  set(res: Res): void {
    const key = res.name.toLowerCase();
    if (!this.map.has(key)) this.invalidate();
    else this.orderCache.clear();
    this.map.set(key, res);
  }

  delete(name: string): boolean {
    const removed = this.map.delete(name.toLowerCase());
    if (removed) this.invalidate();
    return removed;
  }

  get size(): number {
    return this.map.size;
  }

  /** Resources sorted by lower-cased name (the service's default order). */
  byName(): Res[] {
    if (!this.sorted) {
      this.sorted = [...this.map.values()].sort((a, b) => compareNames(a.name, b.name));
    }
    return this.sorted;
  }

  /** A cached ordering other than by name; dropped on any change. */
  ordered(key: string, make: () => Res[]): Res[] {
    let list = this.orderCache.get(key);
    if (!list) {
      list = make();
      this.orderCache.set(key, list);
    }
    return list;
  }

  touch(): void {
    this.orderCache.clear();
    this.version++;
  }

  private invalidate(): void {
    this.sorted = undefined;
    this.orderCache.clear();
    this.version++;
  }
}

export function compareNames(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

export interface Account {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  location: string;
  created: number;
  modified: number;
  props: Record<string, unknown>;
  top: Record<string, unknown>;
  /** The retirement (expiration) date, ms. Read-only from it, deleted 90 days after it. */
  retirementDate: number;
  /** When the one-time extension was granted (ms), if it was. */
  extensionGrantedAt?: number;
  collections: Map<string, Collection>;
  /** assetName (lower) -> locator names, for listStreamingLocators without a scan. */
  locatorsByAsset: LocatorIndex;
}

export function accountKey(sub: string, rg: string, name: string): string {
  return `${sub}/${rg}/${name}`.toLowerCase();
}

export function collectionOf(
  owner: { collections?: Map<string, Collection> },
  type: string,
): Collection {
  const map = owner.collections!;
  let c = map.get(type);
  if (!c) {
    c = new Collection();
    map.set(type, c);
  }
  return c;
}

export function childCollection(parent: Res, type: string): Collection {
  if (!parent.children) parent.children = new Map();
  let c = parent.children.get(type);
  if (!c) {
    c = new Collection();
    parent.children.set(type, c);
  }
  return c;
}

/**
 * asset name -> its locators' names (lower-cased). Nearly every asset has one locator, so a single
 * name is kept as a string and only assets with more get an array: 200,000 Sets would cost more
 * than the assets themselves.
 */
export class LocatorIndex {
  private map = new Map<string, string | string[]>();

  add(asset: string, locator: string): void {
    const a = asset.toLowerCase();
    const l = locator.toLowerCase();
    const cur = this.map.get(a);
    if (cur === undefined) this.map.set(a, l);
    else if (typeof cur === 'string') {
      if (cur !== l) this.map.set(a, [cur, l]);
    } else if (!cur.includes(l)) cur.push(l);
  }

  remove(asset: string, locator: string): void {
    const a = asset.toLowerCase();
    const l = locator.toLowerCase();
    const cur = this.map.get(a);
    if (cur === l) this.map.delete(a);
    else if (Array.isArray(cur)) {
      const rest = cur.filter((x) => x !== l);
      if (rest.length === 0) this.map.delete(a);
      else this.map.set(a, rest.length === 1 ? rest[0]! : rest);
    }
  }

  of(asset: string): string[] {
    const cur = this.map.get(asset.toLowerCase());
    return cur === undefined ? [] : typeof cur === 'string' ? [cur] : [...cur];
  }

  deleteAsset(asset: string): void {
    this.map.delete(asset.toLowerCase());
  }
}
