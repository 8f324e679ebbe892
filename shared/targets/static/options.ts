/**
 * Options of the static target, validated once (they arrive as JSON from the orchestration's
 * `targetOptions.static`). Where the output goes, how its paths are built, whether it is
 * encrypted, and the bounds of the streaming I/O.
 */
export interface StaticTargetOptions {
  /** Storage account (by name, as MediaStorage knows it) and container of the output. */
  outputStorageAccount: string;
  outputContainer: string;
  /**
   * Output folder per asset and locator, with `{locatorId}`, `{assetName}` and `{container}`
   * placeholders. Default `{locatorId}`, which keeps the old path's locator GUID.
   */
  pathTemplate: string;
  /** Public base URL the output container is served from (CDN or blob endpoint). */
  baseUrl: string;
  /** AES (cbcs) encrypt the output with a new key per asset, kept in the secret store. */
  encrypt: boolean;
  /** Base URL of the key-delivery function, `{keyDeliveryUrl}/{keyId}`; required with encrypt. */
  keyDeliveryUrl?: string;
  /** Path of the shaka-packager binary; defaults to the npm package's Linux binary. */
  packagerPath?: string;
  /** Folder for temporary files (one sub-folder per asset, removed afterwards). */
  tempDir?: string;
  /** Largest temporary disk use per asset (source plus output); larger assets fail with a reason. */
  maxTempBytes: number;
  /** Block size and parallel blocks of downloads and uploads. */
  blockSize: number;
  concurrency: number;
  /** Target segment duration, seconds. */
  segmentDuration: number;
  /** Blob lease of the per-asset lock, seconds (15 to 60; renewed while the asset is worked on). */
  lockSeconds: number;
  /** Page size of blob listings (the service caps it at 5,000; every page is read). */
  listPageSize: number;
  /** Assets migrated at the same time within one batch. */
  assetConcurrency: number;
}

export type StaticTargetOptionsInput = Partial<StaticTargetOptions> &
  Pick<StaticTargetOptions, 'outputStorageAccount' | 'outputContainer' | 'baseUrl'>;

const CONTAINER = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;
const PLACEHOLDERS = new Set(['locatorId', 'assetName', 'container']);

export function resolveStaticOptions(input: StaticTargetOptionsInput): StaticTargetOptions {
  const problems: string[] = [];
  const options: StaticTargetOptions = {
    pathTemplate: '{locatorId}',
    encrypt: false,
    maxTempBytes: 50 * 1024 ** 3,
    blockSize: 8 * 1024 * 1024,
    concurrency: 4,
    segmentDuration: 4,
    lockSeconds: 60,
    listPageSize: 5000,
    assetConcurrency: 2,
    ...input,
  };
  if (!options.outputStorageAccount) problems.push('outputStorageAccount is required');
  if (!CONTAINER.test(options.outputContainer ?? ''))
    problems.push(`outputContainer "${options.outputContainer}" is not a valid container name`);
  try {
    const url = new URL(options.baseUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error();
    options.baseUrl = options.baseUrl.replace(/\/+$/, '');
  } catch {
    problems.push(`baseUrl "${options.baseUrl}" is not an http(s) URL`);
  }
  for (const match of options.pathTemplate.matchAll(/\{([^}]*)\}/g)) {
    if (!PLACEHOLDERS.has(match[1]!))
      problems.push(`pathTemplate has an unknown placeholder {${match[1]}}`);
  }
  if (options.encrypt) {
    if (!options.keyDeliveryUrl) problems.push('keyDeliveryUrl is required when encrypt is on');
    else options.keyDeliveryUrl = options.keyDeliveryUrl.replace(/\/+$/, '');
  }
  const range = (name: keyof StaticTargetOptions, min: number, max: number) => {
    const v = options[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
      problems.push(`${name} must be a number from ${min} to ${max}`);
  };
  range('maxTempBytes', 1024 * 1024, Number.MAX_SAFE_INTEGER);
  range('blockSize', 64 * 1024, 100 * 1024 * 1024);
  range('concurrency', 1, 64);
  range('segmentDuration', 1, 30);
  range('lockSeconds', 15, 60);
  range('listPageSize', 1, 5000);
  range('assetConcurrency', 1, 16);
  if (problems.length) throw new Error(`invalid static target options: ${problems.join('; ')}`);
  return options;
}
