import { request } from 'node:https';
import { ContainerClient } from '@azure/storage-blob';
import type { AzureMediaServices } from '@azure/arm-mediaservices';
import type { AmsEmulatorHandle } from '../../emulators/ams';
import { emulatorWithClient, RG, SUB } from './support';
import { uniqueName } from '../support/storage';

/** Every operation group the pipeline uses, through the unmodified SDK client. */
let emu: AmsEmulatorHandle;
let client: AzureMediaServices;
const ACCOUNT = uniqueName('ops').slice(0, 20);

beforeAll(async () => {
  ({ emu, client } = await emulatorWithClient({
    seed: {
      accounts: [
        {
          subscriptionId: SUB,
          resourceGroup: RG,
          name: ACCOUNT,
          retirementDate: '2030-01-01T00:00:00Z',
          assets: [
            { name: 'encoded', files: 'sample' },
            { name: 'no-manifest', files: [{ name: 'source.mov', size: 10 }] },
            {
              name: 'v2-encrypted',
              storageEncryption: {
                key: 'AAECAwQFBgcICQoLDA0ODw==',
                files: [{ assetFileName: 'a.mp4', assetFileId: 'f1', initializationVector: '123' }],
              },
            },
          ],
        },
      ],
    },
  }));
});
afterAll(() => emu.stop());

const SECRET = 'c2VjcmV0LXN5bW1ldHJpYy1rZXk=';
const ck = { keyValue: new Uint8Array(Buffer.from(SECRET, 'base64')) };

test('accounts: create is a long-running operation, get carries ams-retirement-date, list', async () => {
  const name = uniqueName('new').slice(0, 20);
  const created = await client.mediaservices.beginCreateOrUpdateAndWait(RG, name, {
    location: 'West Europe',
    storageAccounts: [
      {
        id: `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Storage/storageAccounts/store1`,
        type: 'Primary',
      },
    ],
  });
  expect(created.provisioningState).toBe('Succeeded');
  let header: string | undefined;
  const got = await client.mediaservices.get(RG, ACCOUNT, {
    onResponse: (r) => (header = r.headers.get('ams-retirement-date')),
  });
  expect(got.name).toBe(ACCOUNT);
  expect(header).toBe('2030-01-01T00:00:00.0000000+00:00');
  const names = [];
  for await (const a of client.mediaservices.list(RG)) names.push(a.name);
  expect(names).toEqual(expect.arrayContaining([ACCOUNT, name]));
  const statuses = emu.admin.requests({ operation: 'mediaServicesOperationStatuses.get' });
  expect(statuses.length).toBeGreaterThan(0);
  await expect(client.mediaservices.get(RG, 'nosuchaccount')).rejects.toMatchObject({
    statusCode: 404,
    code: 'NotFound',
  });
});

test('assets: CRUD, listContainerSas to the real container, getEncryptionKey, listStreamingLocators', async () => {
  const a = await client.assets.createOrUpdate(RG, ACCOUNT, 'made-here', {
    description: 'x',
    alternateId: 'ALT',
  });
  expect(a.container).toBe(`asset-${a.assetId}`);
  const patched = await client.assets.update(RG, ACCOUNT, 'made-here', { description: 'y' });
  expect(patched.description).toBe('y');
  const sas = await client.assets.listContainerSas(RG, ACCOUNT, 'encoded', {
    permissions: 'Read',
    expiryTime: new Date(Date.now() + 3_600_000),
  });
  expect(sas.assetContainerSasUrls).toHaveLength(2);
  const blobs = [];
  for await (const b of new ContainerClient(sas.assetContainerSasUrls![0]!).listBlobsFlat())
    blobs.push(b.name);
  expect(blobs).toEqual(
    expect.arrayContaining(['sample.ism', 'sample.ismc', 'sample_320x180_200.mp4']),
  );
  const key = await client.assets.getEncryptionKey(RG, ACCOUNT, 'v2-encrypted');
  expect(Buffer.from(key.key!).toString('base64')).toBe('AAECAwQFBgcICQoLDA0ODw==');
  await expect(client.assets.getEncryptionKey(RG, ACCOUNT, 'encoded')).rejects.toMatchObject({
    statusCode: 400,
  });
  await client.streamingLocators.create(RG, ACCOUNT, 'loc-for-list', {
    assetName: 'made-here',
    streamingPolicyName: 'Predefined_ClearStreamingOnly',
  });
  const listed = await client.assets.listStreamingLocators(RG, ACCOUNT, 'made-here');
  expect(listed.streamingLocators?.map((l) => l.name)).toEqual(['loc-for-list']);
  await client.assets.delete(RG, ACCOUNT, 'made-here');
  await expect(client.assets.get(RG, ACCOUNT, 'made-here')).rejects.toMatchObject({
    statusCode: 404,
  });
  // AMS deleted the locators with the asset.
  await expect(client.streamingLocators.get(RG, ACCOUNT, 'loc-for-list')).rejects.toMatchObject({
    statusCode: 404,
  });
  await expect(
    client.assets.createOrUpdate(RG, ACCOUNT, 'bad', { storageAccountName: 'not-attached' }),
  ).rejects.toMatchObject({ statusCode: 400 });
});

test('content key policies hide secrets on GET and reveal them with getPolicyPropertiesWithSecrets', async () => {
  await client.contentKeyPolicies.createOrUpdate(RG, ACCOUNT, 'aes', {
    options: [
      {
        name: 'o1',
        configuration: { odataType: '#Microsoft.Media.ContentKeyPolicyClearKeyConfiguration' },
        restriction: {
          odataType: '#Microsoft.Media.ContentKeyPolicyTokenRestriction',
          issuer: 'urn:i',
          audience: 'urn:a',
          primaryVerificationKey: {
            odataType: '#Microsoft.Media.ContentKeyPolicySymmetricTokenKey',
            ...ck,
          },
          restrictionTokenType: 'Jwt',
        },
      },
    ],
  });
  const got = await client.contentKeyPolicies.get(RG, ACCOUNT, 'aes');
  const restriction = got.options![0]!.restriction as {
    primaryVerificationKey: { keyValue: Uint8Array };
  };
  expect(Buffer.from(restriction.primaryVerificationKey.keyValue).length).toBe(0);
  const secret = await client.contentKeyPolicies.getPolicyPropertiesWithSecrets(RG, ACCOUNT, 'aes');
  const revealed = secret.options[0]!.restriction as {
    primaryVerificationKey: { keyValue: Uint8Array };
  };
  expect(Buffer.from(revealed.primaryVerificationKey.keyValue).toString('base64')).toBe(SECRET);
  await expect(
    client.contentKeyPolicies.createOrUpdate(RG, ACCOUNT, 'empty', { options: [] }),
  ).rejects.toMatchObject({ statusCode: 400 });
});

test('streaming policies, locators, listContentKeys and listPaths from the .ism in storage', async () => {
  const predefined = await client.streamingPolicies.get(
    RG,
    ACCOUNT,
    'Predefined_MultiDrmStreaming',
  );
  expect(predefined.commonEncryptionCbcs?.enabledProtocols?.hls).toBe(true);
  await client.streamingPolicies.create(RG, ACCOUNT, 'envelope', {
    defaultContentKeyPolicyName: 'aes',
    envelopeEncryption: {
      enabledProtocols: { download: false, dash: true, hls: true, smoothStreaming: false },
    },
  });
  const aes = await client.streamingLocators.create(RG, ACCOUNT, 'aes-locator', {
    assetName: 'encoded',
    streamingPolicyName: 'envelope',
  });
  expect(aes.contentKeys?.[0]?.type).toBe('EnvelopeEncryption');
  expect(aes.contentKeys?.[0]?.value).toBeUndefined();
  const keys = await client.streamingLocators.listContentKeys(RG, ACCOUNT, 'aes-locator');
  expect(Buffer.from(keys.contentKeys![0]!.value!, 'base64')).toHaveLength(16);
  const paths = await client.streamingLocators.listPaths(RG, ACCOUNT, 'aes-locator');
  expect(paths.streamingPaths).toEqual([
    {
      streamingProtocol: 'Hls',
      encryptionScheme: 'EnvelopeEncryption',
      paths: [`/${aes.streamingLocatorId}/sample.ism/manifest(format=m3u8-aapl,encryption=cbc)`],
    },
    {
      streamingProtocol: 'Dash',
      encryptionScheme: 'EnvelopeEncryption',
      paths: [`/${aes.streamingLocatorId}/sample.ism/manifest(format=mpd-time-csf,encryption=cbc)`],
    },
  ]);
  const dl = await client.streamingLocators.create(RG, ACCOUNT, 'download', {
    assetName: 'encoded',
    streamingPolicyName: 'Predefined_DownloadAndClearStreaming',
  });
  const dlPaths = await client.streamingLocators.listPaths(RG, ACCOUNT, 'download');
  expect(dlPaths.downloadPaths).toContain(`/${dl.streamingLocatorId}/sample_320x180_200.mp4`);
  expect(dlPaths.downloadPaths).not.toContain(`/${dl.streamingLocatorId}/sample.ism`);
  await client.streamingLocators.create(RG, ACCOUNT, 'raw', {
    assetName: 'no-manifest',
    streamingPolicyName: 'Predefined_DownloadAndClearStreaming',
  });
  const raw = await client.streamingLocators.listPaths(RG, ACCOUNT, 'raw');
  expect(raw.streamingPaths).toEqual([]);
  expect(raw.downloadPaths?.[0]).toMatch(/source\.mov$/);
  // Locators cannot be updated; missing references are 400s.
  await expect(
    client.streamingLocators.create(RG, ACCOUNT, 'aes-locator', {
      assetName: 'encoded',
      streamingPolicyName: 'envelope',
    }),
  ).rejects.toMatchObject({ statusCode: 409 });
  await expect(
    client.streamingLocators.create(RG, ACCOUNT, 'x', {
      assetName: 'nope',
      streamingPolicyName: 'envelope',
    }),
  ).rejects.toMatchObject({ statusCode: 400 });
});

test('asset filters, account filters and tracks (long-running)', async () => {
  const range = { startTimestamp: 0, endTimestamp: 100, timescale: 10 };
  await client.assetFilters.createOrUpdate(RG, ACCOUNT, 'encoded', 'f1', {
    presentationTimeRange: range,
  });
  await client.accountFilters.createOrUpdate(RG, ACCOUNT, 'af1', {
    firstQuality: { bitrate: 128000 },
  });
  const filters = [];
  for await (const f of client.assetFilters.list(RG, ACCOUNT, 'encoded')) filters.push(f.name);
  expect(filters).toEqual(['f1']);
  expect((await client.accountFilters.get(RG, ACCOUNT, 'af1')).firstQuality?.bitrate).toBe(128000);
  const track = await client.tracks.beginCreateOrUpdateAndWait(RG, ACCOUNT, 'encoded', 'text1', {
    track: {
      odataType: '#Microsoft.Media.TextTrack',
      fileName: 'text.vtt',
      displayName: 'English',
    } as never,
  });
  expect(track.provisioningState).toBe('Succeeded');
  await client.tracks.beginDeleteAndWait(RG, ACCOUNT, 'encoded', 'text1');
  await expect(client.tracks.get(RG, ACCOUNT, 'encoded', 'text1')).rejects.toMatchObject({
    statusCode: 404,
  });
});

test('transforms and jobs, including analyzer presets and job state filters', async () => {
  await client.transforms.createOrUpdate(RG, ACCOUNT, 'va', {
    outputs: [
      {
        preset: {
          odataType: '#Microsoft.Media.VideoAnalyzerPreset',
          audioLanguage: 'en-US',
        } as never,
      },
    ],
  });
  await client.jobs.create(RG, ACCOUNT, 'va', 'job1', {
    input: { odataType: '#Microsoft.Media.JobInputAsset', assetName: 'encoded' } as never,
    outputs: [{ odataType: '#Microsoft.Media.JobOutputAsset', assetName: 'encoded' } as never],
  });
  await client.jobs.cancelJob(RG, ACCOUNT, 'va', 'job1');
  const canceled = [];
  for await (const j of client.jobs.list(RG, ACCOUNT, 'va', {
    filter: "properties/state eq 'Canceled'",
  }))
    canceled.push(j.name);
  expect(canceled).toEqual(['job1']);
  const t = await client.transforms.get(RG, ACCOUNT, 'va');
  expect(t.outputs![0]!.preset.odataType).toBe('#Microsoft.Media.VideoAnalyzerPreset');
});

test('streaming endpoints and live events: long-running create/start/scale/stop/delete, skus, CDN', async () => {
  const se = await client.streamingEndpoints.beginCreateAndWait(RG, ACCOUNT, 'se1', {
    location: 'West US 2',
    scaleUnits: 0,
  });
  expect(se.hostName).toBe(`se1-${ACCOUNT}-usw2.streaming.media.azure.net`);
  await client.streamingEndpoints.beginStartAndWait(RG, ACCOUNT, 'se1');
  expect((await client.streamingEndpoints.get(RG, ACCOUNT, 'se1')).resourceState).toBe('Running');
  await client.streamingEndpoints.beginScaleAndWait(RG, ACCOUNT, 'se1', { scaleUnit: 2 });
  expect((await client.streamingEndpoints.get(RG, ACCOUNT, 'se1')).scaleUnits).toBe(2);
  const updated = await client.streamingEndpoints.beginUpdateAndWait(RG, ACCOUNT, 'se1', {
    location: 'West US 2',
    cdnEnabled: true,
  });
  expect(updated.cdnEnabled).toBe(true);
  const skus = (await client.streamingEndpoints.skus(RG, ACCOUNT, 'se1')).value?.map(
    (s) => s.sku?.name,
  );
  expect(skus).toContain('Standard');
  await expect(
    client.streamingEndpoints.beginDeleteAndWait(RG, ACCOUNT, 'se1'),
  ).rejects.toMatchObject({ statusCode: 400 });
  await client.streamingEndpoints.beginStopAndWait(RG, ACCOUNT, 'se1');
  await client.streamingEndpoints.beginDeleteAndWait(RG, ACCOUNT, 'se1');

  await client.liveEvents.beginCreateAndWait(RG, ACCOUNT, 'live1', {
    location: 'West US 2',
    input: { streamingProtocol: 'RTMP' },
  });
  await client.liveEvents.beginStartAndWait(RG, ACCOUNT, 'live1');
  await client.liveOutputs.beginCreateAndWait(RG, ACCOUNT, 'live1', 'out1', {
    assetName: 'encoded',
    archiveWindowLength: 'PT1H',
  });
  const outputs = [];
  for await (const o of client.liveOutputs.list(RG, ACCOUNT, 'live1')) outputs.push(o.name);
  expect(outputs).toEqual(['out1']);
  expect((await client.liveEvents.get(RG, ACCOUNT, 'live1')).resourceState).toBe('Running');
  await client.liveEvents.beginStopAndWait(RG, ACCOUNT, 'live1', {});
  await client.liveEvents.beginDeleteAndWait(RG, ACCOUNT, 'live1');
  await expect(client.liveEvents.get(RG, ACCOUNT, 'live1')).rejects.toMatchObject({
    statusCode: 404,
  });
});

test('slow long-running operations are polled through their status resources to completion', async () => {
  const slow = await emulatorWithClient({
    lro: { durationMs: 1_500, retryAfterSeconds: 1 },
    seed: { accounts: [{ subscriptionId: SUB, resourceGroup: RG, name: 'slowacct' }] },
  });
  try {
    const poller = await slow.client.streamingEndpoints.beginCreate(
      RG,
      'slowacct',
      'se2',
      { location: 'West US 2', scaleUnits: 1 },
      { autoStart: true },
    );
    const se = await poller.pollUntilDone();
    expect(se.resourceState).toBe('Running');
    const polls = slow.emu.admin.requests({ operation: 'streamingEndpoints.asyncOperation' });
    expect(polls.length).toBeGreaterThanOrEqual(1);
  } finally {
    await slow.emu.stop();
  }
});

test('ARM behaviour: 401 without a bearer token, 400 for a bad api-version and a bad body', async () => {
  const raw = (path: string, headers: Record<string, string> = {}, method = 'GET', body?: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${emu.armEndpoint}${path}`,
        { method, agent: emu.agent, headers },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  const path = `/subscriptions/${SUB}/resourceGroups/${RG}/providers/Microsoft.Media/mediaServices/${ACCOUNT}/assets`;
  const unauth = await raw(`${path}?api-version=2022-08-01`);
  expect(unauth.status).toBe(401);
  expect(JSON.parse(unauth.body).error.code).toBe('AuthenticationFailed');
  const auth = { Authorization: 'Bearer x', 'Content-Type': 'application/json' };
  expect((await raw(`${path}?api-version=2019-05-01`, auth)).status).toBe(400);
  for (const v of ['2021-11-01', '2022-07-01', '2022-08-01', '2022-11-01', '2023-01-01'])
    expect((await raw(`${path}?api-version=${v}`, auth)).status).toBe(200);
  expect((await raw(`${path}/x?api-version=2022-08-01`, auth, 'PUT', '{not json')).status).toBe(
    400,
  );
  expect(
    (await raw(`${path}/x?api-version=2022-08-01`, auth, 'PUT', '{"properties":{"alternateId":5}}'))
      .status,
  ).toBe(400);
  // Checked against the swagger: discriminators, enums, required properties and types.
  const base = path.replace(/\/assets$/, '');
  const put = (p: string, body: unknown, method = 'PUT') =>
    raw(`${base}${p}`, auth, method, JSON.stringify(body));
  const badPreset = await put('/transforms/t1?api-version=2022-07-01', {
    properties: { outputs: [{ preset: { '@odata.type': '#Microsoft.Media.NoSuchPreset' } }] },
  });
  expect(badPreset.status).toBe(400);
  expect(JSON.parse(badPreset.body).error.message).toMatch(/unknown @odata.type/);
  const badEnum = await put(
    '/assets/encoded/listContainerSas?api-version=2022-08-01',
    { permissions: 'Everything' },
    'POST',
  );
  expect(badEnum.status).toBe(400);
  const noLocation = await put('/streamingEndpoints/se9?api-version=2022-08-01', {
    properties: { scaleUnits: 1 },
  });
  expect(JSON.parse(noLocation.body).error.message).toMatch(/location is required/);
  const wrongType = await put('/streamingEndpoints/se9?api-version=2022-08-01', {
    location: 'West US 2',
    properties: { scaleUnits: 'one' },
  });
  expect(JSON.parse(wrongType.body).error.message).toMatch(/scaleUnits: expected an integer/);
  const wrongFilter = await raw(
    `${path}?api-version=2022-08-01&$filter=${encodeURIComponent('properties/bogus eq 1')}`,
    auth,
  );
  expect(wrongFilter.status).toBe(400);
});
