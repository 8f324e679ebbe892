import { ArmError } from './errors';
import type { Ctx, Json } from './context';
import type { Res } from './state';
import { assetContainer, assetStorageAccount } from './asset-actions';
import { parseServerManifest } from './ism';
import { computePaths } from './streaming-policies';
import type { ActionDef } from './types';

/** Files that are part of the streaming package rather than downloads. */
const NOT_DOWNLOADS = /(\.ism|\.ismc|_manifest\.json|_metadata\.json)$/i;

/** The root files of the asset's container and which of them are valid server manifests. */
async function assetFiles(ctx: Ctx, asset: Res): Promise<{ manifests: string[]; files: string[] }> {
  const container = ctx.storage.container(
    assetStorageAccount(ctx, asset),
    assetContainer(ctx, asset),
  );
  if (!container) {
    // No storage behind this emulator: the seed may have declared the files.
    const files = (asset.props.files as string[] | undefined) ?? [];
    return { manifests: files.filter((f) => /\.ism$/i.test(f)), files };
  }
  const manifests: string[] = [];
  const files: string[] = [];
  try {
    for await (const item of container.listBlobsByHierarchy('/')) {
      if (item.kind === 'prefix') continue;
      files.push(item.name);
      if (/\.ism$/i.test(item.name)) {
        const text = (await container.getBlobClient(item.name).downloadToBuffer()).toString('utf8');
        try {
          parseServerManifest(text);
          manifests.push(item.name);
        } catch {
          // Not a server manifest the origin could use: not streamable.
        }
      }
    }
  } catch (error) {
    if ((error as { statusCode?: number }).statusCode === 404) return { manifests: [], files: [] };
    throw error;
  }
  return { manifests, files };
}

export const locatorActions: Record<string, ActionDef> = {
  listcontentkeys: {
    op: 'listContentKeys',
    contentKey: true,
    run: (_ctx, locator) => ({
      body: { contentKeys: (locator.props.contentKeys ?? []) as Json[] },
    }),
  },
  listpaths: {
    op: 'listPaths',
    async run(ctx, locator) {
      const asset = ctx.find('assets', String(locator.props.assetName));
      const policy = ctx.find('streamingPolicies', String(locator.props.streamingPolicyName));
      if (!asset || !policy)
        throw new ArmError(
          400,
          'BadRequest',
          'The asset or streaming policy of the locator no longer exists.',
        );
      const { manifests, files } = await assetFiles(ctx, asset);
      return {
        body: computePaths(
          policy.props,
          String(locator.props.streamingLocatorId),
          manifests,
          files.filter((f) => !NOT_DOWNLOADS.test(f)),
        ),
      };
    },
  },
};
