import type { MediaStorage } from '../storage/media-storage';
import {
  resolveStaticOptions,
  type StaticTargetOptions,
  type StaticTargetOptionsInput,
} from './static/options';
import type { AssetToMigrate } from './target';

/** The output container the static target writes to when `targetOptions.static` names none. */
export const DEFAULT_STATIC_CONTAINER = 'lifeboat-static';

const KEYS: ReadonlySet<string> = new Set<keyof StaticTargetOptions>([
  'outputStorageAccount',
  'outputContainer',
  'pathTemplate',
  'baseUrl',
  'encrypt',
  'keyDeliveryUrl',
  'packagerPath',
  'tempDir',
  'maxTempBytes',
  'blockSize',
  'concurrency',
  'segmentDuration',
  'lockSeconds',
  'listPageSize',
  'assetConcurrency',
]);

/**
 * The static target's options from `MigrationRequest.targetOptions.static`, with defaults: the
 * output goes to container `lifeboat-static` in the assets' own storage account (on one machine,
 * the same Azurite), paths keep the locator GUID (`{locatorId}`), and the base URL is that
 * container's blob endpoint. Unknown option names are an error rather than silently ignored.
 */
export function staticOptionsFor(
  options: Record<string, string | number | boolean>,
  assets: AssetToMigrate[],
  media: MediaStorage,
): StaticTargetOptions {
  const unknown = Object.keys(options).filter((k) => !KEYS.has(k));
  if (unknown.length)
    throw new Error(`invalid static target options: unknown option(s) ${unknown.join(', ')}`);
  const account =
    typeof options.outputStorageAccount === 'string' && options.outputStorageAccount
      ? options.outputStorageAccount
      : (assets[0]?.storageAccountName ?? '');
  const container =
    typeof options.outputContainer === 'string' && options.outputContainer
      ? options.outputContainer
      : DEFAULT_STATIC_CONTAINER;
  const baseUrl =
    typeof options.baseUrl === 'string' && options.baseUrl
      ? options.baseUrl
      : account
        ? media.container(account, container).url
        : '';
  return resolveStaticOptions({
    ...(options as Partial<StaticTargetOptions>),
    outputStorageAccount: account,
    outputContainer: container,
    baseUrl,
  } satisfies StaticTargetOptionsInput);
}
