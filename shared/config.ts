/**
 * The app's settings, read and validated once at start-up. This is the only module that reads
 * `process.env`: everything else receives a `LifeboatConfig`, so a missing or malformed setting
 * fails the start with one error that names every problem, instead of deep inside a run.
 */

export type ExtensionPolicy = 'auto' | 'never' | 'always';

export interface StorageSettings {
  /** A connection string (Azurite, or an account key). */
  connectionString?: string;
  /** Blob and table endpoints for managed identity, e.g. https://acct.blob.core.windows.net. */
  blobUrl?: string;
  tableUrl?: string;
}

export interface LifeboatConfig {
  /** Where the ledger, snapshots, URL maps and reports live. */
  storage: StorageSettings;
  /** The durable task hub; host.json reads the same setting. */
  taskHub: string;
  /** Azure Resource Manager endpoint (the AMS emulator's on one machine). */
  armEndpoint: string;
  /** Subscriptions the timer sweep covers. */
  subscriptions: string[];
  /** Optional resource-group limit for the sweep, lower-cased. */
  resourceGroups: string[];
  /** NCRONTAB schedule of the sweep (six fields). */
  sweepSchedule: string;
  /**
   * Targets of the migrations the sweep (and blob events for deleted accounts) start; empty means
   * export only (snapshot, keys, paths, URL map), the part that cannot wait for a decision.
   */
  sweepTargets: string[];
  extensionPolicy: ExtensionPolicy;
  /** Key Vault for content keys and policy secrets; without it the local secret store is used. */
  keyVaultUrl?: string;
  /** Folder of the local secret store (one-machine runs without Key Vault). */
  localSecretsDir: string;
  /** Content-key operations allowed per hour and account (AMS allowed about 1,200). */
  contentKeyBudgetPerHour: number;
  /** When true, an orchestration waits for an `approve` event before it changes anything. */
  requireApproval: boolean;
  appInsightsConnectionString?: string;
  /** Blob container of snapshots, exports, URL maps and reports (pipeline). */
  outputContainer: string;
  /** Table of the ledger (pipeline). */
  ledgerTable: string;
  /** Media storage accounts by name to connection string; without it, the managed identity is used. */
  mediaStorageConnections?: Record<string, string>;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NCRONTAB = /^(\S+\s+){5}\S+$/;

/** Collects every problem before failing, so one start-up names them all. */
class SettingsReader {
  readonly problems: string[] = [];
  constructor(private readonly env: Env) {}

  text(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  url(name: string, fallback?: string): string | undefined {
    const value = this.text(name) ?? fallback;
    if (value === undefined) return undefined;
    try {
      const parsed = new URL(value);
      if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new Error();
      return value.replace(/\/+$/, '');
    } catch {
      this.problems.push(`${name} must be an http(s) URL, got "${value}"`);
      return undefined;
    }
  }

  list(name: string, check?: (item: string) => boolean, expected?: string): string[] {
    const items = (this.text(name) ?? '')
      .split(/[,;\s]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    const bad = check ? items.filter((i) => !check(i)) : [];
    if (bad.length)
      this.problems.push(`${name} must be a list of ${expected}; bad: ${bad.join(', ')}`);
    return items.filter((i) => !bad.includes(i));
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
    const value = this.text(name)?.toLowerCase() ?? fallback;
    if ((allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${value}"`);
    return fallback;
  }

  positiveInt(name: string, fallback: number): number {
    const raw = this.text(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (Number.isInteger(value) && value > 0) return value;
    this.problems.push(`${name} must be a positive whole number, got "${raw}"`);
    return fallback;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.text(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['true', '1', 'yes'].includes(raw)) return true;
    if (['false', '0', 'no'].includes(raw)) return false;
    this.problems.push(`${name} must be true or false, got "${raw}"`);
    return fallback;
  }

  /** A JSON object of strings, e.g. {"mediastore1": "DefaultEndpointsProtocol=..."}. */
  jsonStringMap(name: string): Record<string, string> | undefined {
    const raw = this.text(name);
    if (raw === undefined) return undefined;
    try {
      const value: unknown = JSON.parse(raw);
      if (
        value &&
        typeof value === 'object' &&
        !Array.isArray(value) &&
        Object.values(value).every((v) => typeof v === 'string')
      )
        return value as Record<string, string>;
    } catch {
      // reported below
    }
    this.problems.push(`${name} must be a JSON object of names to connection strings`);
    return undefined;
  }

  matching(name: string, pattern: RegExp, fallback: string, expected: string): string {
    const value = this.text(name) ?? fallback;
    if (pattern.test(value)) return value;
    this.problems.push(`${name} must be ${expected}, got "${value}"`);
    return fallback;
  }
}

/** Parses and validates settings from an environment; throws ConfigError naming every problem. */
export function loadConfig(env: Env = process.env): LifeboatConfig {
  const r = new SettingsReader(env);

  const connectionString = r.text('LIFEBOAT_STORAGE') ?? r.text('AzureWebJobsStorage');
  const blobUrl = r.url('LIFEBOAT_STORAGE_BLOB_URL');
  const tableUrl = r.url('LIFEBOAT_STORAGE_TABLE_URL');
  if (!connectionString && !(blobUrl && tableUrl)) {
    r.problems.push(
      'LIFEBOAT_STORAGE (a storage connection string) is required, or both LIFEBOAT_STORAGE_BLOB_URL and LIFEBOAT_STORAGE_TABLE_URL for managed identity',
    );
  }

  const config: LifeboatConfig = {
    storage: { connectionString, blobUrl, tableUrl },
    taskHub: r.matching(
      'LIFEBOAT_TASK_HUB',
      /^[A-Za-z][A-Za-z0-9]{2,44}$/,
      'lifeboat',
      '3 to 45 letters and digits starting with a letter',
    ),
    armEndpoint: r.url('LIFEBOAT_ARM_ENDPOINT', 'https://management.azure.com') ?? '',
    subscriptions: r.list('LIFEBOAT_SUBSCRIPTIONS', (s) => GUID.test(s), 'subscription GUIDs'),
    resourceGroups: r.list('LIFEBOAT_RESOURCE_GROUPS').map((g) => g.toLowerCase()),
    sweepSchedule: r.matching(
      'LIFEBOAT_SWEEP_SCHEDULE',
      NCRONTAB,
      '0 0 3 * * *',
      'a six-field NCRONTAB expression such as "0 0 3 * * *"',
    ),
    sweepTargets: r
      .list(
        'LIFEBOAT_SWEEP_TARGETS',
        (t) => ['static', 'mkio', 'ravnur', 'bitmovin'].includes(t.toLowerCase()),
        'targets (static, mkio, ravnur, bitmovin)',
      )
      .map((t) => t.toLowerCase()),
    extensionPolicy: r.oneOf('LIFEBOAT_EXTENSION_POLICY', ['auto', 'never', 'always'], 'auto'),
    keyVaultUrl: r.url('LIFEBOAT_KEY_VAULT_URL'),
    localSecretsDir: r.text('LIFEBOAT_LOCAL_SECRETS_DIR') ?? '.lifeboat/secrets',
    contentKeyBudgetPerHour: r.positiveInt('LIFEBOAT_KEY_BUDGET_PER_HOUR', 1200),
    requireApproval: r.bool('LIFEBOAT_REQUIRE_APPROVAL', false),
    appInsightsConnectionString: r.text('APPLICATIONINSIGHTS_CONNECTION_STRING'),
    outputContainer: r.matching(
      'LIFEBOAT_OUTPUT_CONTAINER',
      /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/,
      'lifeboat',
      'a blob container name (3 to 63 lower-case letters, digits and dashes)',
    ),
    ledgerTable: r.matching(
      'LIFEBOAT_LEDGER_TABLE',
      /^[A-Za-z][A-Za-z0-9]{2,62}$/,
      'lifeboatledger',
      'a table name (3 to 63 letters and digits starting with a letter)',
    ),
    mediaStorageConnections: r.jsonStringMap('LIFEBOAT_MEDIA_STORAGE_CONNECTIONS'),
  };

  if (r.problems.length) throw new ConfigError(r.problems);
  return config;
}

let cached: LifeboatConfig | undefined;

/** The process's configuration, validated on first use. */
export function getConfig(): LifeboatConfig {
  cached ??= loadConfig();
  return cached;
}

/** The process's settings with some replaced (the command line's choices), validated. */
export function loadConfigWith(overrides: Record<string, string | undefined>): LifeboatConfig {
  return loadConfig({ ...process.env, ...overrides });
}
