import { badRequest, ArmError, conflict } from './errors';
import { iso, isObject, type Ctx, type Json } from './context';
import { collectionOf, type Res } from './state';
import { predefinedPolicy, policySections } from './streaming-policies';
import {
  assetActions,
  assetContainer,
  assetStorageAccount,
  storageAccountNames,
} from './asset-actions';
import { locatorActions } from './locator-actions';
import { maskSecrets } from './secrets';

export interface ActionResult {
  status?: number;
  body?: unknown;
  /** A long-running action: the change `apply` makes happens when the operation completes. */
  lro?: { apply(): void };
}

export interface ActionDef {
  /** The SDK method name, e.g. `listContentKeys`. */
  op: string;
  method?: 'POST' | 'GET';
  /** Counts against the account's content-key budget. */
  contentKey?: boolean;
  run(ctx: Ctx, res: Res, body: Json, parent?: Res): Promise<ActionResult> | ActionResult;
}

export interface TypeDef {
  key: string;
  /** Path segment (matched case-insensitively). */
  segment: string;
  armType: string;
  /** The SDK operation group. */
  group: string;
  parent?: string;
  pageSize: number;
  lro?: boolean;
  patch: boolean;
  /** PUT on an existing one is refused (streaming policies and locators cannot be updated). */
  immutable?: boolean;
  createStatus: 200 | 201;
  build(
    ctx: Ctx,
    name: string,
    body: Json,
    existing: Res | undefined,
    parent?: Res,
  ): Promise<Res> | Res;
  update?(ctx: Ctx, res: Res, body: Json): void;
  render(ctx: Ctx, res: Res, parent?: Res): Json;
  onDelete?(ctx: Ctx, res: Res): Promise<void> | void;
  /** Refuses a delete (a running live event, say). */
  canDelete?(ctx: Ctx, res: Res): void;
  actions?: Record<string, ActionDef>;
  filterable: string[];
  orderable: string[];
  /** Resources that exist without being created (the predefined streaming policies). */
  builtIn?(name: string): Res | undefined;
}

const NAME = /^[A-Za-z0-9_\-.~ ,()'!@$&*+=;%\u00a0-\uffff]{1,260}$/;

export function requireName(name: string): void {
  if (!NAME.test(name) || name.trim() !== name)
    throw badRequest(`The resource name '${name}' is invalid.`, 'name');
}

function props(body: Json): Json {
  const p = body.properties;
  if (p === undefined) return {};
  if (!isObject(p)) throw badRequest('properties must be an object', 'properties');
  return p;
}

function str(p: Json, key: string, required = false): string | undefined {
  const v = p[key];
  if (v === undefined || v === null) {
    if (required) throw badRequest(`The ${key} property is required.`, key);
    return undefined;
  }
  if (typeof v !== 'string') throw badRequest(`${key} must be a string`, key);
  return v;
}

function date(p: Json, key: string): string | undefined {
  const v = str(p, key);
  if (v !== undefined && Number.isNaN(Date.parse(v.replace(/(\.\d{3})\d+/, '$1'))))
    throw badRequest(`${key} must be a date-time`, key);
  return v;
}

function arr(p: Json, key: string, required = false): unknown[] | undefined {
  const v = p[key];
  if (v === undefined || v === null) {
    if (required) throw badRequest(`The ${key} property is required.`, key);
    return undefined;
  }
  if (!Array.isArray(v)) throw badRequest(`${key} must be an array`, key);
  return v;
}

function pick(p: Json, keys: string[]): Json {
  const out: Json = {};
  for (const k of keys) if (p[k] !== undefined) out[k] = p[k];
  return out;
}

function fresh(ctx: Ctx, name: string, existing: Res | undefined, p: Json, top?: Json): Res {
  const now = ctx.clock.now();
  return {
    name: existing?.name ?? name,
    created: existing?.created ?? now,
    modified: now,
    props: p,
    ...(top ? { top } : {}),
    ...(existing?.children ? { children: existing.children } : {}),
  };
}

function odataTyped(value: unknown, what: string): void {
  if (!isObject(value) || typeof value['@odata.type'] !== 'string')
    throw badRequest(`${what} must be an object with @odata.type`, what);
}

const common = ['name', 'properties/created', 'properties/lastModified'];

// ----- assets ------------------------------------------------------------------------------------

const assets: TypeDef = {
  key: 'assets',
  segment: 'assets',
  armType: 'Microsoft.Media/mediaservices/assets',
  group: 'assets',
  pageSize: 1000,
  patch: true,
  createStatus: 201,
  async build(ctx, name, body, existing) {
    requireName(name);
    const p = props(body);
    for (const k of [
      'alternateId',
      'description',
      'container',
      'storageAccountName',
      'encryptionScope',
    ])
      str(p, k);
    if (existing) {
      for (const k of ['container', 'storageAccountName'] as const) {
        const given = str(p, k);
        if (
          given !== undefined &&
          given !==
            (k === 'container' ? assetContainer(ctx, existing) : assetStorageAccount(ctx, existing))
        )
          throw badRequest(`The ${k} of an existing asset cannot be changed.`, k);
      }
      const next = fresh(ctx, name, existing, {
        ...existing.props,
        ...pick(p, ['alternateId', 'description']),
      });
      return next;
    }
    const kept = pick(p, [
      'alternateId',
      'description',
      'container',
      'storageAccountName',
      'encryptionScope',
    ]);
    if (kept.storageAccountName !== undefined) {
      const known = storageAccountNames(ctx);
      if (!known.some((n) => n.toLowerCase() === String(kept.storageAccountName).toLowerCase()))
        throw badRequest(
          `The storage account '${String(kept.storageAccountName)}' is not attached to the Media Services account.`,
          'storageAccountName',
        );
    }
    const res = fresh(ctx, name, undefined, { assetId: ctx.newId(), ...kept });
    const container = ctx.storage.container(
      assetStorageAccount(ctx, res),
      assetContainer(ctx, res),
    );
    if (container) await container.createIfNotExists();
    return res;
  },
  update(ctx, res, body) {
    const p = props(body);
    for (const k of ['alternateId', 'description']) str(p, k);
    if (p.container !== undefined || p.storageAccountName !== undefined)
      throw badRequest('The container and storage account of an asset cannot be changed.');
    Object.assign(res.props, pick(p, ['alternateId', 'description']));
  },
  render(ctx, res) {
    const p = res.props;
    return {
      assetId: p.assetId,
      created: iso(res.created),
      lastModified: iso(res.modified),
      ...(p.alternateId !== undefined ? { alternateId: p.alternateId } : {}),
      ...(p.description !== undefined ? { description: p.description } : {}),
      container: assetContainer(ctx, res),
      storageAccountName: assetStorageAccount(ctx, res),
      storageEncryptionFormat: p.storageEncryptionFormat ?? 'None',
      ...(p.encryptionScope !== undefined ? { encryptionScope: p.encryptionScope } : {}),
    };
  },
  async onDelete(ctx, res) {
    // AMS deleted the asset's container and its locators with it.
    const container = ctx.storage.container(
      assetStorageAccount(ctx, res),
      assetContainer(ctx, res),
    );
    if (container) await container.deleteIfExists();
    const locators = collectionOf(ctx.account, 'streamingLocators');
    for (const n of ctx.account.locatorsByAsset.of(res.name)) locators.delete(n);
    ctx.account.locatorsByAsset.deleteAsset(res.name);
  },
  actions: assetActions,
  filterable: [...common, 'properties/alternateId', 'properties/assetId'],
  orderable: common,
};

// ----- filters -----------------------------------------------------------------------------------

function filterType(
  key: string,
  segment: string,
  armType: string,
  group: string,
  parent?: string,
): TypeDef {
  return {
    key,
    segment,
    armType,
    group,
    parent,
    pageSize: 1000,
    patch: true,
    createStatus: 201,
    build(ctx, name, body, existing) {
      requireName(name);
      const p = props(body);
      if (p.presentationTimeRange !== undefined && !isObject(p.presentationTimeRange))
        throw badRequest('presentationTimeRange must be an object', 'presentationTimeRange');
      if (p.firstQuality !== undefined && !isObject(p.firstQuality))
        throw badRequest('firstQuality must be an object', 'firstQuality');
      for (const t of arr(p, 'tracks') ?? []) {
        if (!isObject(t) || !Array.isArray(t.trackSelections))
          throw badRequest('each track must have trackSelections', 'tracks');
      }
      return fresh(
        ctx,
        name,
        existing,
        pick(p, ['presentationTimeRange', 'firstQuality', 'tracks']),
      );
    },
    update(_ctx, res, body) {
      Object.assign(
        res.props,
        pick(props(body), ['presentationTimeRange', 'firstQuality', 'tracks']),
      );
    },
    render: (_ctx, res) => ({ ...res.props }),
    filterable: ['name'],
    orderable: ['name'],
  };
}

// ----- tracks ------------------------------------------------------------------------------------

const tracks: TypeDef = {
  key: 'tracks',
  segment: 'tracks',
  armType: 'Microsoft.Media/mediaservices/assets/tracks',
  group: 'tracks',
  parent: 'assets',
  pageSize: 1000,
  lro: true,
  patch: true,
  createStatus: 201,
  build(ctx, name, body, existing) {
    requireName(name);
    const p = props(body);
    odataTyped(p.track, 'track');
    return fresh(ctx, name, existing, { track: p.track, provisioningState: 'Succeeded' });
  },
  update(_ctx, res, body) {
    const p = props(body);
    if (p.track !== undefined) {
      odataTyped(p.track, 'track');
      res.props.track = { ...(res.props.track as Json), ...(p.track as Json) };
    }
  },
  render: (_ctx, res) => ({ ...res.props }),
  actions: {
    updatetrackdata: { op: 'updateTrackData', run: () => ({ status: 202, lro: { apply() {} } }) },
  },
  filterable: ['name'],
  orderable: ['name'],
};

// ----- content key policies ----------------------------------------------------------------------

const contentKeyPolicies: TypeDef = {
  key: 'contentKeyPolicies',
  segment: 'contentkeypolicies',
  armType: 'Microsoft.Media/mediaservices/contentKeyPolicies',
  group: 'contentKeyPolicies',
  pageSize: 10,
  patch: true,
  createStatus: 201,
  build(ctx, name, body, existing) {
    requireName(name);
    const p = props(body);
    str(p, 'description');
    const options = arr(p, 'options', true)!;
    if (options.length === 0)
      throw badRequest('A content key policy needs at least one option.', 'options');
    const old = (existing?.props.options ?? []) as Json[];
    const built = options.map((o, i) => {
      if (!isObject(o)) throw badRequest('each option must be an object', `options[${i}]`);
      odataTyped(o.configuration, `options[${i}].configuration`);
      odataTyped(o.restriction, `options[${i}].restriction`);
      const same = old.find((x) => o.name !== undefined && x.name === o.name);
      const restriction = o.restriction as Json;
      // The service fills the token restriction's lists when they are left out.
      const filled =
        restriction['@odata.type'] === '#Microsoft.Media.ContentKeyPolicyTokenRestriction'
          ? { alternateVerificationKeys: [], requiredClaims: [], ...restriction }
          : restriction;
      return {
        policyOptionId: (same?.policyOptionId as string) ?? ctx.newId(),
        ...o,
        restriction: filled,
      };
    });
    return fresh(ctx, name, existing, {
      policyId: existing?.props.policyId ?? ctx.newId(),
      ...pick(p, ['description']),
      options: built,
    });
  },
  update(ctx, res, body) {
    const p = props(body);
    if (p.description !== undefined) res.props.description = str(p, 'description');
    if (p.options !== undefined) {
      const next = this.build(ctx, res.name, { properties: { ...res.props, ...p } }, res) as Res;
      res.props = next.props;
    }
  },
  render: (_ctx, res) => ({
    policyId: res.props.policyId,
    created: iso(res.created),
    lastModified: iso(res.modified),
    ...(res.props.description !== undefined ? { description: res.props.description } : {}),
    options: maskSecrets(res.props.options),
  }),
  actions: {
    getpolicypropertieswithsecrets: {
      op: 'getPolicyPropertiesWithSecrets',
      contentKey: true,
      run: (_ctx, res) => ({
        body: {
          policyId: res.props.policyId,
          created: iso(res.created),
          lastModified: iso(res.modified),
          ...(res.props.description !== undefined ? { description: res.props.description } : {}),
          options: res.props.options,
        },
      }),
    },
  },
  filterable: common,
  orderable: common,
};

// ----- streaming policies ------------------------------------------------------------------------

const POLICY_SECTIONS = [
  'noEncryption',
  'envelopeEncryption',
  'commonEncryptionCenc',
  'commonEncryptionCbcs',
];

/** The service answers with the empty lists a streaming policy request may leave out. */
function withEmptyLists(kept: Json): Json {
  for (const s of POLICY_SECTIONS.filter((x) => x !== 'noEncryption' && kept[x] !== undefined)) {
    const section: Json = { clearTracks: [], ...(kept[s] as Json) };
    const keys = isObject(section.contentKeys) ? section.contentKeys : {};
    section.contentKeys = { defaultKey: {}, keyToTrackMappings: [], ...keys };
    kept[s] = section;
  }
  return kept;
}

const streamingPolicies: TypeDef = {
  key: 'streamingPolicies',
  segment: 'streamingpolicies',
  armType: 'Microsoft.Media/mediaservices/streamingPolicies',
  group: 'streamingPolicies',
  pageSize: 10,
  patch: false,
  immutable: true,
  createStatus: 201,
  build(ctx, name, body) {
    requireName(name);
    if (predefinedPolicy(name)) throw conflict(`The streaming policy '${name}' is predefined.`);
    const p = props(body);
    str(p, 'defaultContentKeyPolicyName');
    const present = POLICY_SECTIONS.filter((s) => p[s] !== undefined);
    if (present.length === 0)
      throw badRequest(
        'A streaming policy needs at least one of noEncryption, envelopeEncryption, commonEncryptionCenc, commonEncryptionCbcs.',
      );
    for (const s of present) {
      const section = p[s];
      if (!isObject(section) || !isObject(section.enabledProtocols))
        throw badRequest(`${s}.enabledProtocols is required`, s);
    }
    const policyName = p.defaultContentKeyPolicyName as string | undefined;
    if (policyName && !ctx.find('contentKeyPolicies', policyName))
      throw badRequest(
        `The content key policy '${policyName}' was not found.`,
        'defaultContentKeyPolicyName',
      );
    return fresh(
      ctx,
      name,
      undefined,
      withEmptyLists(pick(p, ['defaultContentKeyPolicyName', ...POLICY_SECTIONS])),
    );
  },
  render: (_ctx, res) => ({ created: iso(res.created), ...res.props }),
  builtIn(name) {
    const found = predefinedPolicy(name);
    if (!found) return undefined;
    return {
      name: found[0],
      created: Date.parse('2018-01-01T00:00:00Z'),
      modified: 0,
      props: found[1],
    };
  },
  filterable: ['name', 'properties/created'],
  orderable: ['name', 'properties/created'],
};

// ----- streaming locators ------------------------------------------------------------------------

const streamingLocators: TypeDef = {
  key: 'streamingLocators',
  segment: 'streaminglocators',
  armType: 'Microsoft.Media/mediaservices/streamingLocators',
  group: 'streamingLocators',
  pageSize: 1000,
  patch: false,
  immutable: true,
  createStatus: 201,
  build(ctx, name, body) {
    requireName(name);
    const p = props(body);
    const assetName = str(p, 'assetName', true)!;
    const policyName = str(p, 'streamingPolicyName', true)!;
    date(p, 'startTime');
    date(p, 'endTime');
    const asset = ctx.find('assets', assetName);
    if (!asset) throw badRequest(`The asset '${assetName}' was not found.`, 'assetName');
    const policy = ctx.find('streamingPolicies', policyName);
    if (!policy)
      throw badRequest(
        `The streaming policy '${policyName}' was not found.`,
        'streamingPolicyName',
      );
    const locatorId = str(p, 'streamingLocatorId') ?? ctx.newId();
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(locatorId))
      throw badRequest('streamingLocatorId must be a GUID', 'streamingLocatorId');
    const defaultPolicy = str(p, 'defaultContentKeyPolicyName');
    if (defaultPolicy && !ctx.find('contentKeyPolicies', defaultPolicy))
      throw badRequest(
        `The content key policy '${defaultPolicy}' was not found.`,
        'defaultContentKeyPolicyName',
      );
    const sections = policySections(policy.props).filter((s) => s.keyType);
    const given = arr(p, 'contentKeys');
    let keys: Json[] = [];
    if (given && given.length) {
      keys = given.map((k, i) => {
        if (!isObject(k) || typeof k.id !== 'string')
          throw badRequest('each content key needs an id', `contentKeys[${i}]`);
        const label =
          (k.labelReferenceInStreamingPolicy as string | undefined) ?? sections[i]?.defaultLabel;
        const section = sections.find((s) => s.defaultLabel === label) ?? sections[i];
        if (!section)
          throw badRequest('More content keys than the streaming policy uses.', 'contentKeys');
        return {
          id: k.id,
          type: section.keyType,
          labelReferenceInStreamingPolicy: label,
          value: (k.value as string | undefined) ?? ctx.randomKey(),
          policyName:
            defaultPolicy ?? section.defaultPolicyName ?? policy.props.defaultContentKeyPolicyName,
          tracks: [],
        };
      });
    } else {
      keys = sections.map((s) => ({
        id: ctx.newId(),
        type: s.keyType,
        labelReferenceInStreamingPolicy: s.defaultLabel,
        value: ctx.randomKey(),
        policyName:
          defaultPolicy ?? s.defaultPolicyName ?? policy.props.defaultContentKeyPolicyName,
        tracks: [],
      }));
    }
    if (keys.length && !keys.every((k) => k.policyName))
      throw badRequest(
        'An encrypting streaming policy needs a content key policy.',
        'defaultContentKeyPolicyName',
      );
    const res = fresh(ctx, name, undefined, {
      assetName: asset.name,
      streamingPolicyName: policy.name,
      streamingLocatorId: locatorId.toLowerCase(),
      ...pick(p, [
        'startTime',
        'endTime',
        'defaultContentKeyPolicyName',
        'alternativeMediaId',
        'filters',
      ]),
      ...(keys.length ? { contentKeys: keys } : {}),
    });
    indexLocator(ctx, res);
    return res;
  },
  render: (_ctx, res) => {
    const p = res.props;
    return {
      assetName: p.assetName,
      created: iso(res.created),
      ...(p.startTime !== undefined ? { startTime: p.startTime } : {}),
      endTime: p.endTime ?? '9999-12-31T23:59:59.9999999Z',
      streamingLocatorId: p.streamingLocatorId,
      streamingPolicyName: p.streamingPolicyName,
      ...(p.defaultContentKeyPolicyName !== undefined
        ? { defaultContentKeyPolicyName: p.defaultContentKeyPolicyName }
        : {}),
      contentKeys: ((p.contentKeys ?? []) as Json[]).map(({ value: _v, ...k }) => k),
      ...(p.alternativeMediaId !== undefined ? { alternativeMediaId: p.alternativeMediaId } : {}),
      filters: p.filters ?? [],
    };
  },
  onDelete(ctx, res) {
    ctx.account.locatorsByAsset.remove(String(res.props.assetName), res.name);
  },
  actions: locatorActions,
  filterable: [
    'name',
    'properties/created',
    'properties/endTime',
    'properties/startTime',
    'properties/assetName',
  ],
  orderable: ['name', 'properties/created', 'properties/endTime'],
};

export function indexLocator(ctx: Ctx, res: Res): void {
  ctx.account.locatorsByAsset.add(String(res.props.assetName), res.name);
}

// ----- transforms and jobs -----------------------------------------------------------------------

const transforms: TypeDef = {
  key: 'transforms',
  segment: 'transforms',
  armType: 'Microsoft.Media/mediaservices/transforms',
  group: 'transforms',
  pageSize: 1000,
  patch: true,
  createStatus: 201,
  build(ctx, name, body, existing) {
    requireName(name);
    const p = props(body);
    str(p, 'description');
    const outputs = arr(p, 'outputs', true)!;
    if (!outputs.length) throw badRequest('A transform needs at least one output.', 'outputs');
    outputs.forEach((o, i) => {
      if (!isObject(o)) throw badRequest('each output must be an object', `outputs[${i}]`);
      odataTyped(o.preset, `outputs[${i}].preset`);
    });
    return fresh(ctx, name, existing, { ...pick(p, ['description']), outputs });
  },
  update(ctx, res, body) {
    const next = this.build(
      ctx,
      res.name,
      { properties: { ...res.props, ...props(body) } },
      res,
    ) as Res;
    res.props = next.props;
  },
  render: (_ctx, res) => ({
    created: iso(res.created),
    lastModified: iso(res.modified),
    ...(res.props.description !== undefined ? { description: res.props.description } : {}),
    outputs: ((res.props.outputs ?? []) as Json[]).map((o) => ({
      onError: 'StopProcessingJob',
      relativePriority: 'Normal',
      ...o,
    })),
  }),
  filterable: common,
  orderable: common,
};

/** How long an emulated job takes, emulator time. */
export const JOB_DURATION_MS = 60_000;

function jobState(ctx: Ctx, res: Res): string {
  if (res.props.state) return res.props.state as string;
  const age = ctx.clock.now() - res.created;
  return age >= JOB_DURATION_MS ? 'Finished' : age >= 1_000 ? 'Processing' : 'Queued';
}

const jobs: TypeDef = {
  key: 'jobs',
  segment: 'jobs',
  armType: 'Microsoft.Media/mediaservices/transforms/jobs',
  group: 'jobs',
  parent: 'transforms',
  pageSize: 500,
  patch: true,
  createStatus: 201,
  build(ctx, name, body, existing) {
    requireName(name);
    if (existing) throw conflict(`A job named '${name}' already exists.`);
    const p = props(body);
    odataTyped(p.input, 'input');
    const outputs = arr(p, 'outputs', true)!;
    outputs.forEach((o, i) => odataTyped(o, `outputs[${i}]`));
    for (const o of outputs as Json[]) {
      if (
        o['@odata.type'] === '#Microsoft.Media.JobOutputAsset' &&
        typeof o.assetName === 'string' &&
        !ctx.find('assets', o.assetName)
      )
        throw badRequest(`The output asset '${o.assetName}' was not found.`, 'outputs');
    }
    const priority = str(p, 'priority') ?? 'Normal';
    // Clip inputs come back with their (empty) file and definition lists.
    const input = p.input as Json;
    if (/JobInput(Asset|Http|Clip)$/.test(String(input['@odata.type'])))
      p.input = { files: [], inputDefinitions: [], ...input };
    return fresh(ctx, name, existing, {
      ...pick(p, ['description', 'correlationData', 'input']),
      outputs,
      priority,
    });
  },
  update(_ctx, res, body) {
    const p = props(body);
    Object.assign(res.props, pick(p, ['description', 'priority', 'correlationData']));
  },
  render(ctx, res) {
    const state = jobState(ctx, res);
    const finished = state === 'Finished' || state === 'Canceled' || state === 'Error';
    const end = finished
      ? iso(Math.min(ctx.clock.now(), res.created + JOB_DURATION_MS))
      : undefined;
    return {
      created: iso(res.created),
      lastModified: iso(res.modified),
      state,
      ...pick(res.props, ['description', 'input', 'correlationData']),
      outputs: (res.props.outputs as Json[]).map((o, i) => ({
        label: `BuiltInStandardEncoderPreset_${i}`,
        ...o,
        state,
        progress: state === 'Finished' ? 100 : state === 'Processing' ? 50 : 0,
        ...(state !== 'Queued' ? { startTime: iso(res.created + 1_000) } : {}),
        ...(end ? { endTime: end } : {}),
      })),
      priority: res.props.priority,
      ...(state !== 'Queued' ? { startTime: iso(res.created + 1_000) } : {}),
      ...(end ? { endTime: end } : {}),
    };
  },
  actions: {
    canceljob: {
      op: 'cancelJob',
      run(ctx, res) {
        const state = jobState(ctx, res);
        if (state !== 'Finished' && state !== 'Error') res.props.state = 'Canceled';
        return { status: 200 };
      },
    },
  },
  filterable: [...common, 'properties/state'],
  orderable: common,
};

// ----- live events and outputs -------------------------------------------------------------------

const liveEvents: TypeDef = {
  key: 'liveEvents',
  segment: 'liveevents',
  armType: 'Microsoft.Media/mediaservices/liveEvents',
  group: 'liveEvents',
  pageSize: 1000,
  lro: true,
  patch: true,
  createStatus: 201,
  build(ctx, name, body, existing) {
    requireName(name);
    if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,31}$/.test(name))
      throw badRequest('A live event name has up to 32 letters, digits and hyphens.', 'name');
    const p = props(body);
    const location =
      typeof body.location === 'string' ? body.location : (ctx.account.location as string);
    const input = p.input;
    if (!isObject(input) || typeof input.streamingProtocol !== 'string')
      throw badRequest('input.streamingProtocol is required', 'input');
    // Generated when not given: the ingest access token and the preview locator.
    p.input = { accessToken: ctx.newId().replace(/-/g, ''), ...input };
    const preview = isObject(p.preview) ? p.preview : {};
    p.preview = {
      previewLocator: ctx.newId(),
      streamingPolicyName: 'Predefined_ClearStreamingOnly',
      ...preview,
    };
    if (!Array.isArray(p.streamOptions) || p.streamOptions.length === 0)
      p.streamOptions = ['Default'];
    return fresh(
      ctx,
      name,
      existing,
      {
        ...pick(p, [
          'description',
          'input',
          'preview',
          'encoding',
          'transcriptions',
          'crossSiteAccessPolicies',
          'useStaticHostname',
          'hostnamePrefix',
          'streamOptions',
        ]),
        resourceState: existing?.props.resourceState ?? 'Stopped',
        provisioningState: 'Succeeded',
      },
      { location, tags: body.tags ?? {} },
    );
  },
  update(_ctx, res, body) {
    const p = props(body);
    Object.assign(
      res.props,
      pick(p, [
        'description',
        'input',
        'preview',
        'encoding',
        'transcriptions',
        'crossSiteAccessPolicies',
        'streamOptions',
      ]),
    );
    if (isObject(body.tags)) res.top = { ...res.top, tags: body.tags };
  },
  render(ctx, res) {
    // Events seeded without them still get an ingest token and a preview locator, as AMS made them.
    const stored = (res.props.input ??= {}) as Json;
    stored.accessToken ??= ctx.newId().replace(/-/g, '');
    const storedPreview = (res.props.preview ??= {}) as Json;
    storedPreview.previewLocator ??= ctx.newId();
    const input = { ...stored };
    const endpoint = `rtmp://${res.name}-${ctx.account.name}.channel.media.azure.net:1935/live/${String(input.accessToken ?? 'token')}`;
    if (!Array.isArray(input.endpoints) || input.endpoints.length === 0)
      input.endpoints = [{ protocol: 'RTMP', url: endpoint }];
    const preview = { ...(res.props.preview as Json | undefined) };
    if (!Array.isArray(preview.endpoints) || preview.endpoints.length === 0)
      preview.endpoints = [
        {
          protocol: 'FragmentedMP4',
          url: `https://${res.name}-${ctx.account.name}.preview.media.azure.net/${String(preview.previewLocator ?? '')}/preview.ism/manifest`,
        },
      ];
    const streamOptions =
      Array.isArray(res.props.streamOptions) && res.props.streamOptions.length
        ? res.props.streamOptions
        : ['Default'];
    return {
      ...res.props,
      streamOptions,
      input,
      preview,
      created: iso(res.created),
      lastModified: iso(res.modified),
    };
  },
  canDelete(_ctx, res) {
    if (res.props.resourceState === 'Running' || res.props.resourceState === 'Starting')
      throw badRequest('The live event must be stopped before it is deleted.');
  },
  actions: {
    allocate: {
      op: 'allocate',
      run: (_c, res) => transition(res, 'Allocating', 'StandBy', ['Stopped']),
    },
    start: {
      op: 'start',
      run: (_c, res) => transition(res, 'Starting', 'Running', ['Stopped', 'StandBy']),
    },
    stop: {
      op: 'stop',
      run: (_c, res) => transition(res, 'Stopping', 'Stopped', ['Running', 'StandBy', 'Stopped']),
    },
    reset: { op: 'reset', run: (_c, res) => transition(res, 'Running', 'Running', ['Running']) },
  },
  filterable: common,
  orderable: common,
};

function transition(res: Res, during: string, after: string, from: string[]): ActionResult {
  const state = res.props.resourceState as string;
  if (!from.includes(state))
    throw new ArmError(
      400,
      'BadRequest',
      `The operation is not allowed while the resource is ${state}.`,
    );
  res.props.resourceState = during;
  return { status: 202, lro: { apply: () => void (res.props.resourceState = after) } };
}

const liveOutputs: TypeDef = {
  key: 'liveOutputs',
  segment: 'liveoutputs',
  armType: 'Microsoft.Media/mediaservices/liveEvents/liveOutputs',
  group: 'liveOutputs',
  parent: 'liveEvents',
  pageSize: 1000,
  lro: true,
  patch: false,
  immutable: true,
  createStatus: 201,
  build(ctx, name, body) {
    requireName(name);
    const p = props(body);
    const assetName = str(p, 'assetName', true)!;
    if (!ctx.find('assets', assetName))
      throw badRequest(`The asset '${assetName}' was not found.`, 'assetName');
    str(p, 'archiveWindowLength', true);
    return fresh(ctx, name, undefined, {
      ...pick(p, [
        'description',
        'assetName',
        'archiveWindowLength',
        'rewindWindowLength',
        'manifestName',
        'hls',
        'outputSnapTime',
      ]),
      manifestName: p.manifestName ?? assetName,
      outputSnapTime: p.outputSnapTime ?? 0,
      resourceState: 'Running',
      provisioningState: 'Succeeded',
    });
  },
  render: (_ctx, res) => ({
    ...res.props,
    created: iso(res.created),
    lastModified: iso(res.modified),
  }),
  filterable: ['name'],
  orderable: ['name'],
};

// ----- streaming endpoints -----------------------------------------------------------------------

const REGION: Record<string, string> = {
  westus: 'usw1',
  westus2: 'usw2',
  eastus: 'use1',
  eastus2: 'use2',
  westeurope: 'euwe',
  northeurope: 'euno',
  southcentralus: 'ussc',
  centralus: 'usce',
  uksouth: 'ukso',
};

export function regionCode(location: string): string {
  const key = location.replace(/\s+/g, '').toLowerCase();
  return REGION[key] ?? key.slice(0, 4);
}

const streamingEndpoints: TypeDef = {
  key: 'streamingEndpoints',
  segment: 'streamingendpoints',
  armType: 'Microsoft.Media/mediaservices/streamingEndpoints',
  group: 'streamingEndpoints',
  pageSize: 1000,
  lro: true,
  patch: true,
  createStatus: 201,
  build(ctx, name, body, existing) {
    requireName(name);
    if (!/^[A-Za-z0-9][A-Za-z0-9-]{0,23}$/.test(name))
      throw badRequest(
        'A streaming endpoint name has up to 24 letters, digits and hyphens.',
        'name',
      );
    const p = props(body);
    if (typeof p.scaleUnits !== 'number' || p.scaleUnits < 0)
      throw badRequest('scaleUnits is required and must be a non-negative integer', 'scaleUnits');
    const location = typeof body.location === 'string' ? body.location : ctx.account.location;
    const account = ctx.account.name.toLowerCase();
    const host =
      name.toLowerCase() === 'default'
        ? `${account}-${regionCode(location)}.streaming.media.azure.net`
        : `${name.toLowerCase()}-${account}-${regionCode(location)}.streaming.media.azure.net`;
    return fresh(
      ctx,
      name,
      existing,
      {
        cdnEnabled: false,
        cdnProvider: null,
        cdnProfile: '',
        customHostNames: [],
        maxCacheAge: null,
        ...pick(p, [
          'description',
          'scaleUnits',
          'availabilitySetName',
          'accessControl',
          'maxCacheAge',
          'customHostNames',
          'cdnEnabled',
          'cdnProvider',
          'cdnProfile',
          'crossSiteAccessPolicies',
        ]),
        hostName: existing?.props.hostName ?? host,
        resourceState: existing?.props.resourceState ?? 'Stopped',
        provisioningState: 'Succeeded',
        freeTrialEndTime: '0001-01-01T00:00:00Z',
      },
      {
        location,
        tags: body.tags ?? {},
        sku: { name: 'Standard', capacity: Math.max(1, p.scaleUnits * 600) },
      },
    );
  },
  update(_ctx, res, body) {
    const p = props(body);
    Object.assign(
      res.props,
      pick(p, [
        'description',
        'scaleUnits',
        'accessControl',
        'maxCacheAge',
        'customHostNames',
        'cdnEnabled',
        'cdnProvider',
        'cdnProfile',
        'crossSiteAccessPolicies',
      ]),
    );
    if (res.props.cdnEnabled === true && !res.props.cdnProvider)
      res.props.cdnProvider = 'StandardVerizon';
    if (res.props.cdnEnabled === true && !res.props.cdnProfile)
      res.props.cdnProfile = 'AzureMediaStreamingPlatformCdnProfile-StandardVerizon';
    if (isObject(body.tags)) res.top = { ...res.top, tags: body.tags };
  },
  render: (_ctx, res) => ({
    ...res.props,
    created: iso(res.created),
    lastModified: iso(res.modified),
  }),
  canDelete(_ctx, res) {
    if (res.props.resourceState === 'Running')
      throw badRequest('The streaming endpoint must be stopped before it is deleted.');
  },
  actions: {
    start: {
      op: 'start',
      run: (_c, res) => transition(res, 'Starting', 'Running', ['Stopped', 'Running']),
    },
    stop: {
      op: 'stop',
      run: (_c, res) => transition(res, 'Stopping', 'Stopped', ['Running', 'Stopped']),
    },
    scale: {
      op: 'scale',
      run(_c, res, body) {
        if (typeof body.scaleUnit !== 'number' || body.scaleUnit < 0)
          throw badRequest('scaleUnit must be a non-negative integer', 'scaleUnit');
        const units = body.scaleUnit;
        res.props.resourceState =
          res.props.resourceState === 'Running' ? 'Scaling' : res.props.resourceState;
        const after =
          res.props.resourceState === 'Scaling' ? 'Running' : (res.props.resourceState as string);
        return {
          status: 202,
          lro: {
            apply: () => Object.assign(res.props, { scaleUnits: units, resourceState: after }),
          },
        };
      },
    },
    skus: {
      op: 'skus',
      method: 'GET',
      run: () => ({
        body: {
          value: [
            {
              resourceType: 'Microsoft.Media/mediaservices/streamingEndpoints',
              sku: { name: 'Standard' },
              capacity: { default: 600, minimum: 0, maximum: 600, scaleType: 'None' },
            },
            {
              resourceType: 'Microsoft.Media/mediaservices/streamingEndpoints',
              sku: { name: 'Premium' },
              capacity: { default: 1, minimum: 1, maximum: 10, scaleType: 'Automatic' },
            },
          ],
        },
      }),
    },
  },
  filterable: common,
  orderable: common,
};

// ----- private endpoints -------------------------------------------------------------------------

const privateEndpointConnections: TypeDef = {
  key: 'privateEndpointConnections',
  segment: 'privateendpointconnections',
  armType: 'Microsoft.Media/mediaservices/privateEndpointConnections',
  group: 'privateEndpointConnections',
  pageSize: 1000,
  patch: false,
  createStatus: 200,
  build(ctx, name, body, existing) {
    const p = props(body);
    if (!isObject(p.privateLinkServiceConnectionState))
      throw badRequest(
        'privateLinkServiceConnectionState is required',
        'privateLinkServiceConnectionState',
      );
    return fresh(ctx, name, existing, {
      privateEndpoint: {
        id: `/subscriptions/${ctx.account.subscriptionId}/resourceGroups/${ctx.account.resourceGroup}/providers/Microsoft.Network/privateEndpoints/${name}`,
      },
      privateLinkServiceConnectionState: p.privateLinkServiceConnectionState,
      provisioningState: 'Succeeded',
    });
  },
  render: (_ctx, res) => ({ ...res.props }),
  filterable: ['name'],
  orderable: ['name'],
};

export const TYPES: TypeDef[] = [
  assets,
  filterType(
    'assetFilters',
    'assetfilters',
    'Microsoft.Media/mediaservices/assets/assetFilters',
    'assetFilters',
    'assets',
  ),
  filterType(
    'accountFilters',
    'accountfilters',
    'Microsoft.Media/mediaservices/accountFilters',
    'accountFilters',
  ),
  tracks,
  contentKeyPolicies,
  streamingPolicies,
  streamingLocators,
  transforms,
  jobs,
  liveEvents,
  liveOutputs,
  streamingEndpoints,
  privateEndpointConnections,
];

export function typeBySegment(segment: string, parent?: string): TypeDef | undefined {
  const s = segment.toLowerCase();
  return TYPES.find((t) => t.segment === s && t.parent === parent);
}

export function typeByKey(key: string): TypeDef {
  const t = TYPES.find((x) => x.key === key);
  if (!t) throw new Error(`unknown type ${key}`);
  return t;
}
