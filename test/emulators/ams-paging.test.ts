import type { AzureMediaServices } from '@azure/arm-mediaservices';
import type { AmsEmulatorHandle } from '../../emulators/ams';
import { emulatorWithClient, RG, SUB } from './support';

/** Paging at the service's page sizes with $skiptoken, and $filter/$orderby/$top, through the SDK. */
let emu: AmsEmulatorHandle;
let client: AzureMediaServices;
const ACCOUNT = 'pagingacct';
const N = 5_200;

beforeAll(async () => {
  ({ emu, client } = await emulatorWithClient({
    // A fixed 'now', so the generated creation dates (2020 to now) do not depend on the day.
    startTime: '2025-06-01T00:00:00Z',
    seed: {
      accounts: [
        {
          subscriptionId: SUB,
          resourceGroup: RG,
          name: ACCOUNT,
          // Metadata only: containers for 5,200 assets would only slow this test down.
          generate: {
            assets: N,
            containers: 'none',
            awkwardNames: false,
            createdFrom: '2020-01-01T00:00:00Z',
          },
          contentKeyPolicies: Array.from({ length: 23 }, (_, i) => ({
            name: `policy-${String(i).padStart(2, '0')}`,
            properties: {
              options: [
                {
                  configuration: {
                    '@odata.type': '#Microsoft.Media.ContentKeyPolicyClearKeyConfiguration',
                  },
                  restriction: {
                    '@odata.type': '#Microsoft.Media.ContentKeyPolicyOpenRestriction',
                  },
                },
              ],
            },
          })),
          streamingPolicies: Array.from({ length: 14 }, (_, i) => ({
            name: `sp-${String(i).padStart(2, '0')}`,
            properties: {
              noEncryption: {
                enabledProtocols: { download: false, dash: true, hls: true, smoothStreaming: true },
              },
            },
          })),
        },
      ],
    },
  }));
});
afterAll(() => emu.stop());

test(`pages through ${N} assets 1,000 at a time with $skiptoken, in name order`, async () => {
  const names: string[] = [];
  for await (const page of client.assets.list(RG, ACCOUNT).byPage()) {
    expect(page.length).toBeLessThanOrEqual(1000);
    names.push(...page.map((a) => a.name!));
  }
  expect(names).toHaveLength(N);
  expect(new Set(names).size).toBe(N);
  expect([...names].sort()).toEqual(names);
  const lists = emu.admin.requests({ operation: 'assets.list' });
  expect(lists).toHaveLength(Math.ceil(N / 1000));
  expect(lists[1]!.path).toContain('/assets');
});

test('assets: $filter by name and created, $orderby desc, $top across pages', async () => {
  const gt = [];
  for await (const a of client.assets.list(RG, ACCOUNT, { filter: "name gt 'asset-5190'" }))
    gt.push(a.name);
  expect(gt).toEqual(Array.from({ length: 10 }, (_, i) => `asset-${5191 + i}`));
  const recent = [];
  for await (const a of client.assets.list(RG, ACCOUNT, {
    filter: 'properties/created gt 2025-01-01T00:00:00Z',
    orderby: 'properties/created desc',
  }))
    recent.push(a);
  expect(recent.length).toBeGreaterThan(0);
  expect(recent.every((a) => a.created! > new Date('2025-01-01T00:00:00Z'))).toBe(true);
  for (let i = 1; i < recent.length; i++)
    expect(recent[i - 1]!.created! >= recent[i]!.created!).toBe(true);
  const top = [];
  for await (const a of client.assets.list(RG, ACCOUNT, {
    top: 1500,
    orderby: 'properties/created',
  }))
    top.push(a);
  expect(top).toHaveLength(1500);
  expect(top[0]!.name).toBe('asset-0001');
  const alt = [];
  for await (const a of client.assets.list(RG, ACCOUNT, {
    filter: "properties/alternateId eq 'ALT42'",
  }))
    alt.push(a.name);
  expect(alt).toEqual(['asset-0042']);
});

test('locators page at 1,000 and filter; policies page at 10', async () => {
  let locators = 0;
  for await (const page of client.streamingLocators.list(RG, ACCOUNT).byPage()) {
    expect(page.length).toBeLessThanOrEqual(1000);
    locators += page.length;
  }
  expect(locators).toBe(N);
  const policies = [];
  for await (const page of client.contentKeyPolicies.list(RG, ACCOUNT).byPage()) {
    expect(page.length).toBeLessThanOrEqual(10);
    policies.push(...page.map((p) => p.name));
  }
  // 23 seeded plus the generator's aes-policy and drm-policy.
  expect(policies).toHaveLength(25);
  const streaming = [];
  for await (const page of client.streamingPolicies.list(RG, ACCOUNT).byPage()) {
    expect(page.length).toBeLessThanOrEqual(10);
    streaming.push(...page.map((p) => p.name));
  }
  expect(streaming).toHaveLength(15);
  const named = [];
  for await (const p of client.contentKeyPolicies.list(RG, ACCOUNT, {
    filter: "name eq 'policy-07'",
  }))
    named.push(p.name);
  expect(named).toEqual(['policy-07']);
  const few = [];
  for await (const l of client.streamingLocators.list(RG, ACCOUNT, {
    top: 3,
    orderby: 'properties/created desc',
  }))
    few.push(l);
  expect(few).toHaveLength(3);
});
