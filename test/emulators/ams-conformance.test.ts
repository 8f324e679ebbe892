import { request } from 'node:https';
import {
  startAmsEmulator,
  type AmsEmulatorHandle,
  type SeedAccount,
  type SeedDescription,
} from '../../emulators/ams';
import { examplePath, exampleQuery, loadExamples, shapeDiff, type Example } from './conformance';

/**
 * Replays every example of the vendored spec (the SDK's api-versions) against the emulator and
 * checks the status code, the LRO header names and the response body's property names and types.
 * Each example runs against a fresh state seeded with every resource the examples show.
 */
type Json = Record<string, unknown>;
const examples = loadExamples();

const TYPE_ORDER = [
  'privateEndpointConnections',
  'assets',
  'contentKeyPolicies',
  'streamingPolicies',
  'accountFilters',
  'transforms',
  'liveEvents',
  'streamingEndpoints',
  'streamingLocators',
  'assetFilters',
  'tracks',
  'jobs',
  'liveOutputs',
];
const CHILD: Record<string, string> = {
  assetFilters: 'assets',
  tracks: 'assets',
  jobs: 'transforms',
  liveOutputs: 'liveEvents',
};
const SEGMENT = new Map(TYPE_ORDER.map((t) => [t.toLowerCase(), t]));

interface Fixture {
  type: string;
  parent?: string;
  name: string;
  body: Json;
}

/** Every resource any example shows, keyed by its path under the account. */
function library(only?: Example): Map<string, Fixture> {
  const out = new Map<string, Fixture>();
  const visit = (body: unknown) => {
    if (!body || typeof body !== 'object') return;
    const b = body as Json;
    if (Array.isArray(b.value)) b.value.forEach(visit);
    if (typeof b.id !== 'string' || typeof b.properties !== 'object') return;
    const m = /\/mediaservices\/[^/]+\/(.+)$/i.exec(b.id);
    if (!m) return;
    const parts = m[1]!.split('/');
    const type = SEGMENT.get(parts[0]!.toLowerCase());
    if (!type) return;
    if (parts.length === 2)
      out.set(`${type}/${parts[1]}`.toLowerCase(), { type, name: parts[1]!, body: b });
    else if (parts.length === 4) {
      const child = SEGMENT.get(parts[2]!.toLowerCase());
      if (child)
        out.set(`${type}/${parts[1]}/${child}/${parts[3]}`.toLowerCase(), {
          type: child,
          parent: parts[1],
          name: parts[3]!,
          body: b,
        });
    }
  };
  for (const ex of only ? [only] : examples) {
    for (const r of Object.values(ex.responses)) {
      visit(r.body);
      // listStreamingLocators answers locator summaries: they are locators too.
      const summaries = (r.body as { streamingLocators?: Json[] } | undefined)?.streamingLocators;
      for (const l of summaries ?? []) {
        const { name, ...properties } = l as Json & { name: string };
        out.set(`streamingLocators/${name}`.toLowerCase(), {
          type: 'streamingLocators',
          name,
          body: { properties },
        });
      }
    }
  }
  return out;
}
const fixtures = library();

/** What the examples show of an account: tags, identity, encryption, private endpoint connections. */
function accountFixture(): Json {
  const get = examples.find((e) => e.file.endsWith('accounts-get-by-name.json'))!;
  const body = get.responses['200']!.body as Json & { properties: Json };
  const connections = (body.properties.privateEndpointConnections as Json[]).map((c) => ({
    name: c.name,
    properties: c.properties,
  }));
  return {
    tags: body.tags,
    identity: body.identity,
    ...body.properties,
    privateEndpointConnections: connections,
  };
}

/** The account a test example runs in, with every fixture but the one the example creates. */
function world(ex: Example, skipPath?: string): SeedDescription {
  const p = ex.parameters as Record<string, string>;
  const shown = accountFixture();
  const stores = new Set(['storage0']);
  for (const f of fixtures.values())
    if (f.type === 'assets' && typeof (f.body.properties as Json).storageAccountName === 'string')
      stores.add((f.body.properties as Json).storageAccountName as string);
  const account: SeedAccount = {
    subscriptionId: p.subscriptionId!,
    resourceGroup: p.resourceGroupName ?? 'rg',
    name: p.accountName ?? 'contosomedia',
    raw: true,
    retirementDate: '2099-01-01T00:00:00Z',
    tags: shown.tags as Record<string, string>,
    identity: shown.identity as Json,
    properties: {
      storageAccounts: [
        ...(shown.storageAccounts as Json[]),
        ...[...stores].map((n) => ({
          id: `/subscriptions/${p.subscriptionId}/resourceGroups/rg/providers/Microsoft.Storage/storageAccounts/${n}`,
          type: 'Secondary',
        })),
      ],
      encryption: shown.encryption,
      keyDelivery: shown.keyDelivery,
      storageAuthentication: shown.storageAuthentication,
    },
    privateEndpointConnections: shown.privateEndpointConnections as Array<{
      name: string;
      properties: Json;
    }>,
  };
  const seed = account as unknown as Record<string, unknown[]>;
  const ensure = (type: string, name: string, body: Json) => {
    seed[type] ??= [];
    if (!seed[type]!.some((r) => (r as { name: string }).name.toLowerCase() === name.toLowerCase()))
      seed[type]!.push({ name, ...body });
  };
  // What the example itself shows wins over what other examples show.
  const own = new Map([...fixtures, ...library(ex)]);
  for (const type of TYPE_ORDER) {
    for (const [path, f] of own) {
      if (f.type !== type || path === skipPath) continue;
      const body: Json = {
        properties: f.body.properties,
        ...(f.body.location ? { location: f.body.location } : {}),
        ...(f.body.tags ? { tags: f.body.tags } : {}),
      };
      if (f.parent) {
        ensure(CHILD[type]!, f.parent, { properties: {} });
        body.parent = f.parent;
      }
      if (type === 'assets') {
        body.files = [
          { name: 'videoManifest1.ism', content: '<smil/>' },
          { name: 'video1.mp4', size: 1 },
          { name: 'textTrack.vtt', size: 1 },
        ];
        body.storageEncryption = {
          key: 'AAAAAAAAAAAAAAAAAAAAAA==',
          files: [
            {
              assetFileName: 'AssetFile0',
              assetFileId: 'a9536fa7-bd5d-4f84-a137-d1290982fe95',
              initializationVector: '1',
            },
          ],
        };
      }
      ensure(type, f.name, body);
    }
  }
  // Fillers, so that lists paged at 10 have a next page as the examples show.
  for (let i = 0; i < 11; i++) {
    ensure('streamingPolicies', `zz-filler-${i}`, {
      properties: {
        noEncryption: {
          enabledProtocols: { download: false, dash: true, hls: true, smoothStreaming: true },
        },
      },
    });
    ensure('contentKeyPolicies', `zz-filler-${i}`, {
      properties: {
        options: [
          {
            configuration: {
              '@odata.type': '#Microsoft.Media.ContentKeyPolicyClearKeyConfiguration',
            },
            restriction: { '@odata.type': '#Microsoft.Media.ContentKeyPolicyOpenRestriction' },
          },
        ],
      },
    });
  }
  // Parents and references that only appear in paths.
  const names = ex.parameters as Record<string, string>;
  for (const [param, type] of [
    ['assetName', 'assets'],
    ['transformName', 'transforms'],
    ['liveEventName', 'liveEvents'],
  ] as const) {
    const name = names[param];
    if (name && !(ex.method === 'PUT' && ex.pathTemplate.endsWith(`{${param}}`)))
      ensure(
        type,
        name,
        type === 'liveEvents'
          ? {
              properties: { input: { streamingProtocol: 'RTMP' }, resourceState: 'Running' },
              location: 'West US',
            }
          : { properties: {} },
      );
  }
  const body = ex.parameters[ex.bodyParam ?? 'parameters'] as Json | undefined;
  const props = (body?.properties ?? {}) as Json;
  if (typeof props.assetName === 'string') ensure('assets', props.assetName, { properties: {} });
  for (const io of [props.input, ...((props.outputs as unknown[]) ?? [])] as Array<
    { assetName?: unknown } | undefined
  >)
    if (typeof io?.assetName === 'string') ensure('assets', io.assetName, { properties: {} });
  if (typeof props.defaultContentKeyPolicyName === 'string')
    ensure('contentKeyPolicies', props.defaultContentKeyPolicyName, {
      properties: { options: [] },
    });
  // Live events and streaming endpoints in the state the example's action needs.
  const file = ex.file;
  for (const r of [...(seed.liveEvents ?? []), ...(seed.streamingEndpoints ?? [])] as Array<{
    properties: Json;
  }>) {
    r.properties = {
      ...r.properties,
      resourceState: /start|allocate/.test(file)
        ? 'Stopped'
        : /delete/.test(file)
          ? 'Stopped'
          : 'Running',
    };
  }
  const exampleStatus = (Object.values(ex.responses)[0]?.body as { status?: string } | undefined)
    ?.status;
  const status = (
    exampleStatus === 'InProgress' || exampleStatus === 'Failed' ? exampleStatus : 'Succeeded'
  ) as 'Succeeded';
  const operations = p.operationId
    ? [
        {
          id: p.operationId,
          status,
          kind: (p.locationName ? 'account' : p.trackName ? 'track' : 'resource') as
            'account' | 'track' | 'resource',
        },
      ]
    : [];
  return {
    accounts: [account],
    operations,
  };
}

function send(
  emu: AmsEmulatorHandle,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; headers: Record<string, unknown>; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${emu.armEndpoint}${path}`,
      {
        method,
        agent: emu.agent,
        headers: { Authorization: 'Bearer conformance', 'Content-Type': 'application/json' },
      },
      (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text ? JSON.parse(text) : undefined,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

let emu: AmsEmulatorHandle;
beforeAll(async () => {
  // No storage: asset files come from the seed, SAS URLs are shaped but not signed.
  emu = await startAmsEmulator({
    lro: { durationMs: 0, retryAfterSeconds: 0 },
    budgets: {
      subscriptionReads: { limit: 1e6, perMs: 1000 },
      subscriptionWrites: { limit: 1e6, perMs: 1000 },
    },
  });
});
afterAll(() => emu.stop());

const results: Array<{ file: string; problems: string[] }> = [];
afterAll(() => {
  const passed = results.filter((r) => r.problems.length === 0).length;
  console.log(`AMS conformance: ${passed}/${results.length} examples passed`);
});

test.each(examples.map((e) => [e.file, e] as const))('%s', async (_file, ex) => {
  emu.admin.reset();
  const path = examplePath(ex);
  const under = /\/mediaServices\/[^/]+\/(.+)$/i.exec(path)?.[1];
  const expected = Object.keys(ex.responses);
  const creates = ex.method === 'PUT' && expected.includes('201');
  const skip = creates && under ? decodeURIComponent(under).toLowerCase() : undefined;
  await emu.admin.seed(world(ex, skip));
  const body = ex.bodyParam ? ex.parameters[ex.bodyParam] : undefined;
  const res = await send(emu, ex.method, `${path}?${exampleQuery(ex)}`, body);
  const problems: string[] = [];
  if (!expected.includes(String(res.status)))
    problems.push(
      `status ${res.status}, expected ${expected.join('/')}: ${JSON.stringify(res.body)}`,
    );
  else {
    const want = ex.responses[String(res.status)]!;
    for (const h of Object.keys(want.headers ?? {}))
      if (!(h.toLowerCase() in res.headers)) problems.push(`missing header ${h}`);
    problems.push(...shapeDiff(want.body, res.body));
  }
  results.push({ file: ex.file, problems });
  if (problems.length)
    throw new Error(`${ex.file} (${ex.method} ${ex.pathTemplate}):\n  ${problems.join('\n  ')}`);
});
