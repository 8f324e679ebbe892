import { ContainerClient } from '@azure/storage-blob';
import { emulatorWithClient, RG, SUB } from './support';
import { testStorageConnectionString } from '../support/storage';

const DAY = 86_400_000;
const RETIRE = Date.parse('2025-04-01T00:00:00Z');

/** The retirement timeline on the emulator's clock, observed through the SDK only. */
test('retirement: header, one-time extension, read-only (CDN still allowed), deletion with storage kept', async () => {
  const { emu, client } = await emulatorWithClient({
    startTime: RETIRE - 10 * DAY,
    seed: {
      accounts: [
        {
          subscriptionId: SUB,
          resourceGroup: RG,
          name: 'retiring',
          retirementDate: new Date(RETIRE).toISOString(),
          generate: { assets: 5, realMediaAssets: 1, liveEvents: 1, streamingEndpoints: 2 },
        },
      ],
    },
  });
  const header = async () => {
    let value: string | undefined;
    await client.mediaservices.get(RG, 'retiring', {
      onResponse: (r) => (value = r.headers.get('ams-retirement-date')),
    });
    return value;
  };
  const extend = () =>
    client.mediaservices.beginUpdateAndWait(
      RG,
      'retiring',
      {},
      { requestOptions: { customHeaders: { 'ams-extend-retirement': 'True' } } },
    );
  try {
    expect(await header()).toBe('2025-04-01T00:00:00.0000000+00:00');
    // Active: POSTs work.
    await client.streamingLocators.listPaths(RG, 'retiring', 'locator-asset-1');

    // The extension: 202 once, the date moves 30 days; a second request is refused.
    await extend();
    expect(emu.admin.requests({ operation: 'mediaservices.update' }).map((r) => r.status)).toEqual([
      202,
    ]);
    expect(await header()).toBe('2025-05-01T00:00:00.0000000+00:00');
    await expect(extend()).rejects.toMatchObject({
      statusCode: 400,
      code: 'RetirementExtensionAlreadyGranted',
    });

    // Past the (extended) date: read-only, endpoints and live events stopped.
    emu.admin.clock.set(Date.parse('2025-05-01T00:00:01Z'));
    await expect(
      client.streamingLocators.listPaths(RG, 'retiring', 'locator-asset-1'),
    ).rejects.toMatchObject({ statusCode: 409, code: 'AccountIsReadOnly' });
    await expect(
      client.streamingLocators.listContentKeys(RG, 'retiring', 'locator-asset-2'),
    ).rejects.toMatchObject({ statusCode: 409 });
    await expect(client.assets.createOrUpdate(RG, 'retiring', 'new', {})).rejects.toMatchObject({
      statusCode: 409,
    });
    await expect(client.assets.delete(RG, 'retiring', 'asset-1')).rejects.toMatchObject({
      statusCode: 409,
    });
    const sas = client.assets.listContainerSas(RG, 'retiring', 'asset-1', {
      permissions: 'Read',
      expiryTime: new Date('2025-05-02T00:00:00Z'),
    });
    await expect(sas).rejects.toMatchObject({ statusCode: 409 });
    for await (const se of client.streamingEndpoints.list(RG, 'retiring'))
      expect(se.resourceState).toBe('Stopped');
    for await (const le of client.liveEvents.list(RG, 'retiring'))
      expect(le.resourceState).toBe('Stopped');
    // Every GET still works.
    const asset = await client.assets.get(RG, 'retiring', 'asset-1');
    expect((await client.streamingLocators.get(RG, 'retiring', 'locator-asset-1')).assetName).toBe(
      'asset-1',
    );
    // The one write still allowed: a streaming endpoint's CDN settings.
    const cdn = await client.streamingEndpoints.beginUpdateAndWait(RG, 'retiring', 'default', {
      location: 'West US 2',
      cdnEnabled: true,
      cdnProvider: 'StandardAkamai',
    });
    expect(cdn.cdnEnabled).toBe(true);
    await expect(
      client.streamingEndpoints.beginUpdateAndWait(RG, 'retiring', 'default', {
        location: 'West US 2',
        scaleUnits: 3,
      }),
    ).rejects.toMatchObject({ statusCode: 409 });
    await expect(extend()).rejects.toMatchObject({ statusCode: 409 });

    // 90 days after the date: everything under the account is gone; the storage container is not.
    emu.admin.clock.set(Date.parse('2025-05-01T00:00:00Z') + 90 * DAY);
    await expect(client.mediaservices.get(RG, 'retiring')).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(client.assets.get(RG, 'retiring', 'asset-1')).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(
      client.streamingLocators.get(RG, 'retiring', 'locator-asset-1'),
    ).rejects.toMatchObject({ statusCode: 404 });
    const accounts = [];
    for await (const a of client.mediaservices.list(RG)) accounts.push(a.name);
    expect(accounts).not.toContain('retiring');
    const info = emu.admin.account(SUB, RG, 'retiring');
    expect(info?.phase).toBe('deleted');
    // The asset's container and its media are still in storage.
    const container = new ContainerClient(testStorageConnectionString(), asset.container!);
    const blobs = [];
    for await (const b of container.listBlobsFlat()) blobs.push(b.name);
    expect(blobs).toContain('sample.ism');
  } finally {
    await emu.stop();
  }
});

test('the extension can show late in the header, and is refused once read-only', async () => {
  const { emu, client } = await emulatorWithClient({
    startTime: RETIRE - DAY,
    extensionVisibleAfterMs: 3_600_000,
    seed: {
      accounts: [
        {
          subscriptionId: SUB,
          resourceGroup: RG,
          name: 'late',
          retirementDate: new Date(RETIRE).toISOString(),
        },
        {
          subscriptionId: SUB,
          resourceGroup: RG,
          name: 'toolate',
          retirementDate: new Date(RETIRE - 2 * DAY).toISOString(),
        },
      ],
    },
  });
  const header = async (name: string) => {
    let value: string | undefined;
    await client.mediaservices.get(RG, name, {
      onResponse: (r) => (value = r.headers.get('ams-retirement-date')),
    });
    return value;
  };
  try {
    await client.mediaservices.beginUpdateAndWait(
      RG,
      'late',
      {},
      { requestOptions: { customHeaders: { 'ams-extend-retirement': 'True' } } },
    );
    expect(await header('late')).toBe('2025-04-01T00:00:00.0000000+00:00');
    emu.admin.clock.advance(3_600_000);
    expect(await header('late')).toBe('2025-05-01T00:00:00.0000000+00:00');
    await expect(
      client.mediaservices.beginUpdateAndWait(
        RG,
        'toolate',
        {},
        { requestOptions: { customHeaders: { 'ams-extend-retirement': 'True' } } },
      ),
    ).rejects.toMatchObject({ statusCode: 409 });
  } finally {
    await emu.stop();
  }
});

test('with a clock given (the local runtime virtual clock), lifecycle and budgets follow that clock', async () => {
  let now = RETIRE - DAY;
  const virtual = { now: () => now, sleep: async (ms: number) => void (now += ms) };
  const { emu, client } = await emulatorWithClient({
    clock: virtual,
    budgets: { contentKeys: { limit: 1, perMs: 3_600_000 } },
    seed: {
      accounts: [
        {
          subscriptionId: SUB,
          resourceGroup: RG,
          name: 'virtual',
          retirementDate: new Date(RETIRE).toISOString(),
          generate: { assets: 2, containers: 'none', mix: { clear: 0, aes: 1, drm: 0 } },
        },
      ],
    },
  });
  try {
    expect(() => emu.admin.clock.set(0)).toThrow(/clock it was given/);
    await client.streamingLocators.listContentKeys(RG, 'virtual', 'locator-asset-1');
    // The budget refills only when the virtual clock moves.
    now += 3_600_000;
    await client.streamingLocators.listContentKeys(RG, 'virtual', 'locator-asset-2');
    expect(emu.admin.account(SUB, RG, 'virtual')?.phase).toBe('active');
    now = RETIRE + 1;
    expect(emu.admin.account(SUB, RG, 'virtual')?.phase).toBe('readOnly');
    await expect(
      client.streamingLocators.listContentKeys(RG, 'virtual', 'locator-asset-1'),
    ).rejects.toMatchObject({ statusCode: 409 });
  } finally {
    await emu.stop();
  }
});

test('the owned clock can run faster than real time, so a retirement date arrives on its own', async () => {
  const { emu, client } = await emulatorWithClient({
    startTime: RETIRE - 1_200_000,
    clockRate: 600, // ten minutes a second: the date is 2 s of real time away
    seed: {
      accounts: [
        {
          subscriptionId: SUB,
          resourceGroup: RG,
          name: 'fast',
          retirementDate: new Date(RETIRE).toISOString(),
          assets: [{ name: 'a' }],
        },
      ],
    },
  });
  try {
    expect(emu.admin.account(SUB, RG, 'fast')?.phase).toBe('active');
    while (emu.admin.clock.now() <= RETIRE) await new Promise((r) => setTimeout(r, 50));
    await expect(
      client.assets.update(RG, 'fast', 'a', { description: 'late' }),
    ).rejects.toMatchObject({ statusCode: 409 });
  } finally {
    await emu.stop();
  }
});
