import { EXTENSION_POLICIES, TARGETS } from './validation';

/**
 * The OpenAPI 3.0 document of the portal API. A test drives every handler and checks its answers
 * against these schemas, and checks that the paths and methods here are exactly the registered
 * routes, so the document cannot drift from the code.
 */

type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const text: Schema = { type: 'string' };
const dateTime: Schema = { type: 'string', format: 'date-time' };
const count: Schema = { type: 'integer', minimum: 0 };
const RUNTIME_STATUSES = [
  'Pending',
  'Running',
  'ContinuedAsNew',
  'Suspended',
  'Completed',
  'Failed',
  'Terminated',
  'Canceled',
];

const idParameter = {
  name: 'id',
  in: 'path',
  required: true,
  description:
    'The migration id returned by POST /api/migrations (ams~{subscription}~{group}~{account}).',
  schema: { type: 'string', maxLength: 400 },
};

const errorResponse = (description: string) => ({
  description,
  content: { 'application/json': { schema: ref('Error') } },
});

const common = {
  '400': errorResponse('The request is invalid; the message and details say what is wrong.'),
  '401': { description: 'No valid function key (x-functions-key header or code query parameter).' },
  '404': errorResponse('No such migration (or account).'),
};

/** What a migration's list entry and its detail both show. */
const migrationFields: Record<string, Schema> = {
  id: text,
  accountId: text,
  kind: { type: 'string', enum: ['account', 'storage-only'] },
  runtimeStatus: { type: 'string', enum: RUNTIME_STATUSES },
  phase: text,
  outcome: text,
  createdAt: dateTime,
  updatedAt: dateTime,
  nextWakeUpAt: dateTime,
};

const schemas: Record<string, Schema> = {
  Error: {
    type: 'object',
    required: ['error'],
    additionalProperties: false,
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        additionalProperties: false,
        properties: { code: text, message: text, details: { type: 'array', items: text } },
      },
    },
  },
  StartRequest: {
    type: 'object',
    additionalProperties: false,
    required: ['targets'],
    description:
      'The account, by its ARM id (accountId) or by subscriptionId, resourceGroup and accountName.',
    properties: {
      accountId: {
        type: 'string',
        example:
          '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/media/providers/Microsoft.Media/mediaServices/contoso',
      },
      subscriptionId: { type: 'string', format: 'uuid' },
      resourceGroup: { type: 'string', maxLength: 90 },
      accountName: { type: 'string', pattern: '^[a-zA-Z0-9]{3,24}$' },
      targets: {
        type: 'array',
        description: 'Where the assets go; an empty list exports only (keys, paths, URL map).',
        items: { type: 'string', enum: [...TARGETS] },
      },
      extensionPolicy: { type: 'string', enum: [...EXTENSION_POLICIES] },
      requireApproval: { type: 'boolean' },
      targetOptions: {
        type: 'object',
        description: 'Options per target: names to short strings, numbers or booleans.',
        additionalProperties: {
          type: 'object',
          additionalProperties: { oneOf: [text, { type: 'number' }, { type: 'boolean' }] },
        },
      },
      restart: {
        type: 'boolean',
        description: 'Run again when the previous run of this account has finished.',
      },
    },
  },
  Links: {
    type: 'object',
    additionalProperties: false,
    required: ['self', 'approve', 'cancel', 'report', 'urlMap'],
    properties: { self: text, approve: text, cancel: text, report: text, urlMap: text },
  },
  StartResponse: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'accountId', 'outcome', 'created', 'runtimeStatus', 'message', 'links'],
    properties: {
      id: text,
      accountId: text,
      outcome: { type: 'string', enum: ['started', 'restarted', 'already-running', 'finished'] },
      created: { type: 'boolean' },
      runtimeStatus: { type: 'string', enum: RUNTIME_STATUSES },
      message: text,
      links: ref('Links'),
    },
  },
  MigrationSummary: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'accountId', 'kind', 'runtimeStatus', 'links'],
    properties: {
      ...migrationFields,
      links: ref('Links'),
    },
  },
  MigrationList: {
    type: 'object',
    additionalProperties: false,
    required: ['count', 'migrations'],
    properties: { count, migrations: { type: 'array', items: ref('MigrationSummary') } },
  },
  Tally: {
    type: 'object',
    additionalProperties: false,
    properties: { total: count, done: count, failed: count, skipped: count },
  },
  MigrationDetail: {
    type: 'object',
    additionalProperties: false,
    required: [
      'id',
      'accountId',
      'kind',
      'runtimeStatus',
      'deadlines',
      'counts',
      'errors',
      'timeline',
      'artifacts',
      'links',
    ],
    properties: {
      ...migrationFields,
      request: {
        type: 'object',
        additionalProperties: false,
        properties: {
          targets: { type: 'array', items: text },
          extensionPolicy: text,
          requireApproval: { type: 'boolean' },
          targetOptionNames: {
            type: 'object',
            description: 'The option names given per target (values are not shown).',
            additionalProperties: { type: 'array', items: text },
          },
        },
      },
      storageOnly: {
        type: 'object',
        additionalProperties: false,
        required: ['storageAccount', 'container'],
        properties: { storageAccount: text, container: text },
      },
      deadlines: {
        type: 'object',
        additionalProperties: false,
        properties: {
          retirementDate: text,
          readOnlyAt: text,
          deletionAt: text,
          extensionCutoffAt: text,
        },
      },
      extension: {
        type: 'object',
        additionalProperties: false,
        properties: {
          requested: { type: 'boolean' },
          granted: { type: 'boolean' },
          requestedAt: text,
          decision: text,
        },
      },
      approval: { type: 'string', description: 'waiting, approved, cancelled or timed-out' },
      counts: {
        type: 'object',
        description: 'Work tallies per stage (keys, secrets, paths, target:{name}).',
        additionalProperties: ref('Tally'),
      },
      resources: { type: 'object', additionalProperties: count },
      ledger: {
        type: 'object',
        description:
          "The account's ledger row: phase, deadlines and counts as the pipeline records them.",
        additionalProperties: { oneOf: [text, { type: 'number' }, { type: 'boolean' }] },
      },
      errors: {
        type: 'object',
        additionalProperties: false,
        required: ['count', 'recent'],
        properties: {
          count,
          terminal: text,
          recent: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['error'],
              properties: { at: text, stage: text, where: text, error: text },
            },
          },
        },
      },
      timeline: {
        type: 'array',
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['what'],
          properties: { at: text, what: text },
        },
      },
      artifacts: {
        type: 'object',
        additionalProperties: false,
        required: ['report', 'urlMap'],
        properties: { report: { type: 'boolean' }, urlMap: { type: 'boolean' }, urls: count },
      },
      links: ref('Links'),
    },
  },
  SignalRequest: {
    type: 'object',
    properties: { reason: { type: 'string', maxLength: 500 } },
  },
  SignalResponse: {
    type: 'object',
    additionalProperties: false,
    required: ['id', 'event', 'accepted', 'links'],
    properties: {
      id: text,
      event: { type: 'string', enum: ['approve', 'cancel'] },
      accepted: { type: 'boolean' },
      links: ref('Links'),
    },
  },
};

const signalOperation = (event: 'approve' | 'cancel', operationId: string, summary: string) => ({
  post: {
    operationId,
    summary,
    parameters: [idParameter],
    requestBody: {
      required: false,
      content: { 'application/json': { schema: ref('SignalRequest') } },
    },
    responses: {
      '202': {
        description: `The ${event} event was sent to the running migration.`,
        content: { 'application/json': { schema: ref('SignalResponse') } },
      },
      ...common,
      '409': errorResponse('The migration has finished; there is nothing to signal.'),
      '413': errorResponse('The body is too large.'),
    },
  },
});

export function openApiDocument(serverUrl?: string): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: {
      title: 'AMS Lifeboat migrations',
      version: '1.0.0',
      description:
        'Start, follow, approve and cancel the migration of Azure Media Services accounts, and fetch their reports and URL maps. Calls need a function key (x-functions-key header or code query parameter); put Entra ID in front with App Service Authentication or API Management (see the README).',
    },
    ...(serverUrl ? { servers: [{ url: serverUrl }] } : {}),
    security: [{ functionKeyHeader: [] }, { functionKeyQuery: [] }],
    paths: {
      '/api/migrations': {
        post: {
          operationId: 'startMigration',
          summary: "Start an account's migration, or get the one that exists (never a second).",
          requestBody: {
            required: true,
            content: { 'application/json': { schema: ref('StartRequest') } },
          },
          responses: {
            '202': {
              description: 'Started, or already running; poll the Location header.',
              content: { 'application/json': { schema: ref('StartResponse') } },
            },
            '200': {
              description: 'A finished migration exists; send restart: true to run it again.',
              content: { 'application/json': { schema: ref('StartResponse') } },
            },
            ...common,
            '413': errorResponse('The body is too large.'),
            '415': errorResponse('The body is not JSON.'),
          },
        },
        get: {
          operationId: 'listMigrations',
          summary: 'List migrations.',
          parameters: [
            {
              name: 'runtimeStatus',
              in: 'query',
              required: false,
              description: 'Comma-separated runtime statuses to keep.',
              schema: { type: 'string' },
            },
          ],
          responses: {
            '200': {
              description: 'The migrations.',
              content: { 'application/json': { schema: ref('MigrationList') } },
            },
            '400': common['400'],
            '401': common['401'],
          },
        },
      },
      '/api/migrations/{id}': {
        get: {
          operationId: 'getMigration',
          summary: 'Phase, counts, deadlines, next wake-up and errors of one migration.',
          parameters: [idParameter],
          responses: {
            '200': {
              description: 'The migration.',
              content: { 'application/json': { schema: ref('MigrationDetail') } },
            },
            ...common,
          },
        },
      },
      '/api/migrations/{id}/approve': signalOperation(
        'approve',
        'approveMigration',
        'Approve a migration that waits for approval before it changes anything.',
      ),
      '/api/migrations/{id}/cancel': signalOperation(
        'cancel',
        'cancelMigration',
        'Cancel a migration.',
      ),
      '/api/migrations/{id}/report': {
        get: {
          operationId: 'getMigrationReport',
          summary: 'The migration report, as JSON or HTML (by Accept, or ?format=json|html).',
          parameters: [
            idParameter,
            {
              name: 'format',
              in: 'query',
              required: false,
              schema: { type: 'string', enum: ['json', 'html'] },
            },
          ],
          responses: {
            '200': {
              description: 'The report, streamed from storage.',
              content: {
                'application/json': { schema: { type: 'object' } },
                'text/html': { schema: { type: 'string' } },
              },
            },
            ...common,
            '406': errorResponse('Neither JSON nor HTML is acceptable.'),
          },
        },
      },
      '/api/migrations/{id}/urlmap': {
        get: {
          operationId: 'getMigrationUrlMap',
          summary:
            'The map from old streaming URLs to new ones, as CSV or JSON (by Accept, or ?format=csv|json).',
          parameters: [
            idParameter,
            {
              name: 'format',
              in: 'query',
              required: false,
              schema: { type: 'string', enum: ['csv', 'json'] },
            },
          ],
          responses: {
            '200': {
              description: 'The URL map, streamed from storage.',
              content: {
                'text/csv': { schema: { type: 'string' } },
                'application/json': { schema: { type: 'array', items: { type: 'object' } } },
              },
            },
            ...common,
            '406': errorResponse('Neither CSV nor JSON is acceptable.'),
          },
        },
      },
      '/api/openapi.json': {
        get: {
          operationId: 'getOpenApi',
          summary: 'This document.',
          security: [],
          responses: {
            '200': {
              description: 'The OpenAPI document.',
              content: { 'application/json': { schema: { type: 'object' } } },
            },
          },
        },
      },
    },
    components: {
      securitySchemes: {
        functionKeyHeader: { type: 'apiKey', in: 'header', name: 'x-functions-key' },
        functionKeyQuery: { type: 'apiKey', in: 'query', name: 'code' },
      },
      schemas,
    },
  };
}
