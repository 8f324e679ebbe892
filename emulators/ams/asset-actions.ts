import { badRequest } from './errors';
import { iso, type Ctx, type Json } from './context';
import type { Res } from './state';
import { sasPermissions } from './storage';
import type { ActionDef } from './types';

export function storageAccountNames(ctx: Ctx): string[] {
  const list = (ctx.account.props.storageAccounts ?? []) as Array<{ id?: string }>;
  return list.map((s) => (s.id ?? '').split('/').pop() ?? '').filter(Boolean);
}

export function assetContainer(_ctx: Ctx, asset: Res): string {
  return (asset.props.container as string | undefined) ?? `asset-${String(asset.props.assetId)}`;
}

export function assetStorageAccount(ctx: Ctx, asset: Res): string {
  return (
    (asset.props.storageAccountName as string | undefined) ??
    storageAccountNames(ctx)[0] ??
    'storage'
  );
}

/** Locator summaries of one asset, as listStreamingLocators answers them. */
export function locatorsOf(ctx: Ctx, asset: Res): Json[] {
  const names = ctx.account.locatorsByAsset.of(asset.name);
  const out: Json[] = [];
  for (const n of names) {
    const l = ctx.find('streamingLocators', n);
    if (!l) continue;
    out.push({
      name: l.name,
      assetName: l.props.assetName,
      created: iso(l.created),
      ...(l.props.startTime !== undefined ? { startTime: l.props.startTime } : {}),
      endTime: l.props.endTime ?? '9999-12-31T23:59:59.9999999Z',
      streamingLocatorId: l.props.streamingLocatorId,
      streamingPolicyName: l.props.streamingPolicyName,
      ...(l.props.defaultContentKeyPolicyName !== undefined
        ? { defaultContentKeyPolicyName: l.props.defaultContentKeyPolicyName }
        : {}),
    });
  }
  return out;
}

export const assetActions: Record<string, ActionDef> = {
  listcontainersas: {
    op: 'listContainerSas',
    run(ctx, asset, body) {
      let permissions: string;
      try {
        permissions = sasPermissions(body.permissions as string | undefined);
      } catch {
        throw badRequest(`Invalid permissions '${String(body.permissions)}'`, 'permissions');
      }
      const expiry =
        body.expiryTime === undefined
          ? ctx.clock.now() + 3_600_000
          : Date.parse(String(body.expiryTime));
      if (Number.isNaN(expiry)) throw badRequest('expiryTime must be a date-time', 'expiryTime');
      const account = assetStorageAccount(ctx, asset);
      const container = assetContainer(ctx, asset);
      const url =
        ctx.storage.containerSas(account, container, permissions, new Date(expiry)) ??
        `https://${account}.blob.core.windows.net/${container}?sv=2021-08-06&sr=c&sp=${permissions}&se=${encodeURIComponent(iso(expiry))}&sig=emulated`;
      // Two URLs, one per storage key; Azurite has one key, so they are the same.
      return { body: { assetContainerSasUrls: [url, url] } };
    },
  },
  getencryptionkey: {
    op: 'getEncryptionKey',
    run(_ctx, asset) {
      const enc = asset.props.encryption as Json | undefined;
      if (asset.props.storageEncryptionFormat !== 'MediaStorageClientEncryption' || !enc)
        throw badRequest('The asset does not use storage encryption.');
      return { body: enc };
    },
  },
  liststreaminglocators: {
    op: 'listStreamingLocators',
    run: (ctx, asset) => ({ body: { streamingLocators: locatorsOf(ctx, asset) } }),
  },
};
