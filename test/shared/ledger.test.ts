import { Ledger, accountPartition, rowKey } from '../../shared/ledger/ledger';
import { tableClient } from '../../shared/storage/clients';
import { testStorageSettings, uniqueName } from '../support/storage';

const ACCOUNT =
  '/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/Media-RG/providers/Microsoft.Media/mediaServices/Contoso';

async function newLedger(): Promise<Ledger> {
  const ledger = new Ledger(tableClient(testStorageSettings(), uniqueName('ledger')));
  await ledger.ensure();
  await ledger.ensure(); // idempotent
  return ledger;
}

describe('ledger', () => {
  it('derives table-safe keys from ARM ids and awkward names', () => {
    expect(accountPartition(ACCOUNT)).toBe('00000000-0000-0000-0000-000000000001~media-rg~contoso');
    expect(() => accountPartition('/subscriptions/x/resourceGroups/y')).toThrow(
      /not a Media Services account/,
    );
    const key = rowKey({ kind: 'asset', name: 'a/b#c?d e,ü', target: 'static' });
    expect(key).toBe('asset|static|a%2Fb%23c%3Fd%20e%2C%C3%BC');
    expect(key).not.toMatch(/[/\\#?]/);
  });

  it('records attempts, failures with redacted errors, and completion', async () => {
    const ledger = await newLedger();
    const key = { kind: 'asset', name: 'asset 1, ünïcode', target: 'static' };
    expect(await ledger.get(ACCOUNT, key)).toBeUndefined();

    await ledger.start(ACCOUNT, key);
    await ledger.fail(
      ACCOUNT,
      key,
      new Error('GET https://x.blob.core.windows.net/c?sv=1&sig=SECRETSIG failed'),
    );
    let item = await ledger.get(ACCOUNT, key);
    expect(item).toMatchObject({ status: 'failed', attempts: 1 });
    expect(item?.lastError).toContain('sig=[redacted]');
    expect(item?.lastError).not.toContain('SECRETSIG');
    expect(await ledger.isDone(ACCOUNT, key)).toBe(false);

    await ledger.start(ACCOUNT, key);
    await ledger.complete(ACCOUNT, key, { url: 'https://cdn/new.m3u8' });
    item = await ledger.get(ACCOUNT, key);
    expect(item).toMatchObject({
      status: 'done',
      attempts: 2,
      details: { url: 'https://cdn/new.m3u8' },
    });
    expect(item?.lastError).toBeUndefined();
    expect(await ledger.isDone(ACCOUNT, key)).toBe(true);
  });

  it('adds pending items in batches without touching existing ones, and counts them', async () => {
    const ledger = await newLedger();
    const names = Array.from({ length: 250 }, (_, i) => `asset-${String(i).padStart(4, '0')}`);
    await ledger.start(ACCOUNT, { kind: 'asset', name: 'asset-0007', target: 'static' });
    await ledger.complete(ACCOUNT, { kind: 'asset', name: 'asset-0007', target: 'static' });

    await ledger.addPending(
      ACCOUNT,
      names.map((name) => ({ kind: 'asset', name, target: 'static' })),
    );
    await ledger.addPending(
      ACCOUNT,
      names.map((name) => ({ kind: 'asset', name, target: 'static' })),
    );
    await ledger.addPending(ACCOUNT, [{ kind: 'locator', name: 'loc-1' }]);

    expect(await ledger.counts(ACCOUNT, 'asset', 'static')).toEqual({
      pending: 249,
      running: 0,
      done: 1,
      failed: 0,
      skipped: 0,
    });
    expect(await ledger.counts(ACCOUNT, 'locator')).toMatchObject({ pending: 1 });

    const done = [];
    for await (const item of ledger.list(ACCOUNT, 'asset', { target: 'static', status: ['done'] }))
      done.push(item.name);
    expect(done).toEqual(['asset-0007']);
    let all = 0;
    for await (const _ of ledger.list(ACCOUNT, 'asset', { target: 'static' })) all += 1;
    expect(all).toBe(250);
  });

  it('merges account state', async () => {
    const ledger = await newLedger();
    expect(await ledger.getAccount(ACCOUNT)).toBeUndefined();
    await ledger.updateAccount(ACCOUNT, { phase: 'snapshot', assets: 10 });
    await ledger.updateAccount(ACCOUNT, { phase: 'plan', extensionRequested: false });
    expect(await ledger.getAccount(ACCOUNT)).toMatchObject({
      accountId: ACCOUNT,
      phase: 'plan',
      assets: 10,
      extensionRequested: false,
    });
  });
});
