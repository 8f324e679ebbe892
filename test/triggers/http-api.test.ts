import { Ledger } from '../../shared/ledger/ledger';
import { accountInstanceId } from '../../shared/pipeline/instance-id';
import { FakeDurableClient } from './support/fake-client';
import { call } from './support/http';
import { accountArmId, SUB, testServices } from './support/services';

/**
 * The portal API's handlers, called as the Functions host calls them (real HttpRequest and
 * InvocationContext). The durable client is an in-memory stand-in: these tests are about the
 * request and response logic; starting twice on the real runtime is tested in runtime tests.
 */
describe('portal API handlers', () => {
  const client = new FakeDurableClient();
  const known = new Set([
    accountArmId('contoso').toLowerCase(),
    accountArmId('fabrikam').toLowerCase(),
  ]);
  const { services, tables, output } = testServices({
    client,
    accountExists: async (id) => known.has(id.toLowerCase()),
  });
  const contosoId = accountInstanceId(accountArmId('contoso'));
  const json = { 'content-type': 'application/json' };

  it('starts a migration once and answers later starts with the running one', async () => {
    const body = JSON.stringify({
      accountId: accountArmId('Contoso'),
      targets: ['static', 'mkio'],
    });
    const first = await call(services, 'startMigration', { headers: json, body });
    expect(first.status).toBe(202);
    expect(first.json).toMatchObject({
      id: contosoId,
      outcome: 'started',
      created: true,
      accountId: accountArmId('contoso').toLowerCase(),
    });
    expect(first.headers.get('location')).toBe(
      `http://lifeboat.test/api/migrations/${encodeURIComponent(contosoId)}`,
    );
    expect(first.headers.get('retry-after')).toBe('30');

    const again = await call(services, 'startMigration', {
      headers: json,
      body: JSON.stringify({
        subscriptionId: SUB,
        resourceGroup: 'MEDIA',
        accountName: 'contoso',
        targets: ['static'],
      }),
    });
    expect(again.status).toBe(202);
    expect(again.json).toMatchObject({ id: contosoId, outcome: 'already-running', created: false });
    expect(client.started.filter((s) => s.instanceId === contosoId)).toHaveLength(1);
    expect(client.started[0]?.input).toMatchObject({
      targets: ['static', 'mkio'],
      extensionPolicy: 'auto',
      requireApproval: false,
    });
  });

  it('answers a finished migration with its status unless asked to restart', async () => {
    await call(services, 'startMigration', {
      headers: json,
      body: JSON.stringify({ accountId: accountArmId('fabrikam'), targets: ['ravnur'] }),
    });
    client.set(contosoId, { runtimeStatus: 'Completed' });
    const body = { accountId: accountArmId('contoso'), targets: ['static'] };
    const finished = await call(services, 'startMigration', {
      headers: json,
      body: JSON.stringify(body),
    });
    expect(finished.status).toBe(200);
    expect(finished.json).toMatchObject({
      outcome: 'finished',
      created: false,
      runtimeStatus: 'Completed',
    });
    const restarted = await call(services, 'startMigration', {
      headers: json,
      body: JSON.stringify({ ...body, restart: true }),
    });
    expect(restarted.status).toBe(202);
    expect(restarted.json).toMatchObject({ outcome: 'restarted', created: true });
  });

  it('rejects malformed and invalid requests with what is wrong', async () => {
    const malformed = await call(services, 'startMigration', {
      headers: json,
      body: '{"targets": [',
    });
    expect(malformed.status).toBe(400);
    expect(malformed.json).toMatchObject({ error: { code: 'BadRequest' } });
    expect((malformed.json as { error: { message: string } }).error.message).toMatch(
      /not valid JSON/,
    );

    const invalid = await call(services, 'startMigration', {
      headers: json,
      body: JSON.stringify({
        accountId: '/subscriptions/x/resourceGroups/y',
        targets: ['youtube'],
        extensionPolicy: 'sometimes',
        colour: 'blue',
      }),
    });
    expect(invalid.status).toBe(400);
    const details = (invalid.json as { error: { details: string[] } }).error.details.join('\n');
    expect(details).toMatch(/unknown field\(s\): colour/);
    expect(details).toMatch(/not a Media Services account id/);
    expect(details).toMatch(/unknown target\(s\): "youtube"/);
    expect(details).toMatch(/extensionPolicy must be one of auto, never, always/);

    const parts = await call(services, 'startMigration', {
      headers: json,
      body: JSON.stringify({
        subscriptionId: 'nope',
        resourceGroup: 'g',
        accountName: 'a!',
        targets: ['static'],
      }),
    });
    expect((parts.json as { error: { details: string[] } }).error.details).toEqual([
      'subscriptionId must be a subscription GUID',
      'accountName must be a Media Services account name (3-24 letters and digits)',
    ]);

    const empty = await call(services, 'startMigration', { headers: json });
    expect(empty.status).toBe(400);
    const notJson = await call(services, 'startMigration', {
      headers: { 'content-type': 'text/plain' },
      body: 'hello',
    });
    expect(notJson.status).toBe(415);
  });

  it('answers 404 for an account Resource Manager and the ledger do not know', async () => {
    const unknown = await call(services, 'startMigration', {
      headers: json,
      body: JSON.stringify({ accountId: accountArmId('ghost'), targets: ['static'] }),
    });
    expect(unknown.status).toBe(404);
    expect((unknown.json as { error: { message: string } }).error.message).toMatch(
      /ghost was not found/,
    );
    expect(
      client.started.some((s) => s.instanceId === accountInstanceId(accountArmId('ghost'))),
    ).toBe(false);
  });

  it('refuses oversized bodies with 413, announced or not', async () => {
    const big = JSON.stringify({
      accountId: accountArmId('contoso'),
      targets: ['static'],
      pad: 'x'.repeat(70_000),
    });
    const announced = await call(services, 'startMigration', {
      headers: { ...json, 'content-length': String(big.length) },
      body: big,
    });
    expect(announced.status).toBe(413);
    const unannounced = await call(services, 'startMigration', {
      headers: json,
      body: Buffer.from(big),
    });
    expect(unannounced.status).toBe(413);
    expect((unannounced.json as { error: { message: string } }).error.message).toMatch(
      /larger than 65536 bytes/,
    );
  });

  it('shows phase, counts, deadlines, wake-up and errors, with secrets redacted', async () => {
    await new Ledger(tables.ledger).ensure();
    await new Ledger(tables.ledger).updateAccount(accountArmId('contoso'), {
      phase: 'export',
      deletionAt: '2025-07-01T00:00:00.000Z',
      assets: 3,
    });
    client.set(contosoId, {
      runtimeStatus: 'Running',
      // The orchestration's custom status while it runs (MigrationStatus).
      customStatus: {
        phase: 'export',
        account: accountArmId('contoso').toLowerCase(),
        nextWakeUpAt: '2025-04-02T00:00:00.000Z',
        deadlines: {
          retirementDate: '2025-04-01T00:00:00.000Z',
          readOnlyAt: '2025-04-01T01:00:00.000Z',
          extensionCutoffAt: '2025-03-31T00:00:00.000Z',
        },
        extension: { requested: false, decision: 'the export fits before read-only' },
        approval: 'approved',
        counts: { assets: 3 },
        progress: {
          keys: { total: 10, done: 4, failed: 1, skipped: 0 },
          secrets: { total: 0, done: 0, failed: 0, skipped: 0 },
          paths: { total: 0, done: 0, failed: 0, skipped: 0, derived: false },
          targets: { static: { total: 3, done: 1, failed: 0, skipped: 0 } },
          queued: 2,
        },
        failureCount: 1,
        lastFailures: [
          '2025-03-01T00:00:00.000Z keys locators 0-9: HTTP 403 https://x.blob.core.windows.net/c?sv=2020&sig=SECRETSIG',
        ],
        generation: 0,
        updatedAt: '2025-03-01T00:00:00.000Z',
      },
    });
    const detail = await call(services, 'getMigration', {
      path: `migrations/${contosoId}`,
      params: { id: contosoId },
    });
    expect(detail.status).toBe(200);
    expect(detail.json).toMatchObject({
      id: contosoId,
      runtimeStatus: 'Running',
      phase: 'export',
      nextWakeUpAt: '2025-04-02T00:00:00.000Z',
      deadlines: {
        retirementDate: '2025-04-01T00:00:00.000Z',
        readOnlyAt: '2025-04-01T01:00:00.000Z',
        deletionAt: '2025-07-01T00:00:00.000Z',
        extensionCutoffAt: '2025-03-31T00:00:00.000Z',
      },
      counts: { keys: { total: 10, done: 4, failed: 1 }, 'target:static': { total: 3, done: 1 } },
      ledger: { phase: 'export', assets: 3 },
      resources: { assets: 3 },
      approval: 'approved',
      extension: { requested: false, decision: 'the export fits before read-only' },
      errors: { count: 1 },
      request: { targets: ['static'] },
    });
    expect(detail.text).not.toContain('SECRETSIG');
    expect(detail.text).toContain('sig=[redacted]');

    const list = await call(services, 'listMigrations', { query: { runtimeStatus: 'Running' } });
    expect(list.status).toBe(200);
    expect(
      (list.json as { migrations: Array<{ id: string }> }).migrations.map((m) => m.id),
    ).toEqual([contosoId]);
    const badFilter = await call(services, 'listMigrations', {
      query: { runtimeStatus: 'Sleeping' },
    });
    expect(badFilter.status).toBe(400);
  });

  it('answers bad ids with 400 and unknown ones with 404', async () => {
    const bad = await call(services, 'getMigration', {
      path: 'migrations/x',
      params: { id: '../etc' },
    });
    expect(bad.status).toBe(400);
    expect((bad.json as { error: { message: string } }).error.message).toMatch(
      /not a migration id/,
    );
    const unknownId = accountInstanceId(accountArmId('nobody'));
    const unknown = await call(services, 'getMigration', { params: { id: unknownId } });
    expect(unknown.status).toBe(404);
    const approveUnknown = await call(services, 'approveMigration', { params: { id: unknownId } });
    expect(approveUnknown.status).toBe(404);
  });

  it('approves and cancels running migrations, and refuses finished ones', async () => {
    const approve = await call(services, 'approveMigration', { params: { id: contosoId } });
    expect(approve.status).toBe(202);
    const cancel = await call(services, 'cancelMigration', {
      params: { id: contosoId },
      headers: json,
      body: JSON.stringify({ reason: 'wrong target' }),
    });
    expect(cancel.status).toBe(202);
    expect(client.events.filter((e) => e.instanceId === contosoId).map((e) => e.eventName)).toEqual(
      ['approve', 'cancel'],
    );
    expect(client.events.at(-1)?.eventData).toMatchObject({
      reason: 'wrong target',
      by: 'function-key',
    });

    client.set(contosoId, { runtimeStatus: 'Terminated' });
    const late = await call(services, 'cancelMigration', { params: { id: contosoId } });
    expect(late.status).toBe(409);
    client.set(contosoId, { runtimeStatus: 'Running' });
  });

  it('streams the report and URL map in the format asked for', async () => {
    const container = output;
    await container.createIfNotExists();
    const put = (name: string, text: string) =>
      container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
    await put('contoso/report.json', '{"account":"contoso"}');
    await put('contoso/report.html', '<html><body>contoso</body></html>');
    await put(
      'contoso/urlmap.csv',
      'oldUrl,newUrl\nhttps://a/x.ism/manifest,https://b/x/master.m3u8\n',
    );
    await put('contoso/urlmap.json', '[{"oldUrl":"https://a/x.ism/manifest"}]');

    const noReport = await call(services, 'getMigrationReport', { params: { id: contosoId } });
    // While it runs, the custom status names the URL map's JSON; the CSV sits beside it.
    client.set(contosoId, { customStatus: { phase: 'watch', urlMap: 'contoso/urlmap.json' } });
    const running = await call(services, 'getMigrationUrlMap', { params: { id: contosoId } });
    expect(running.status).toBe(200);
    expect(running.text.startsWith('oldUrl,newUrl')).toBe(true);
    expect(noReport.status).toBe(404);
    expect((noReport.json as { error: { message: string } }).error.message).toMatch(
      /no report yet/,
    );

    client.set(contosoId, {
      runtimeStatus: 'Completed',
      output: {
        phase: 'done',
        outcome: 'completed',
        report: { jsonPath: 'contoso/report.json', htmlPath: 'contoso/report.html' },
        urlMap: { jsonPath: 'contoso/urlmap.json', csvPath: 'contoso/urlmap.csv', urls: 1 },
      },
    });
    const html = await call(services, 'getMigrationReport', {
      params: { id: contosoId },
      headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
    });
    expect(html.status).toBe(200);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(html.text).toContain('<body>contoso</body>');
    const reportJson = await call(services, 'getMigrationReport', { params: { id: contosoId } });
    expect(reportJson.json).toEqual({ account: 'contoso' });
    const notAcceptable = await call(services, 'getMigrationReport', {
      params: { id: contosoId },
      headers: { accept: 'image/png' },
    });
    expect(notAcceptable.status).toBe(406);

    const csv = await call(services, 'getMigrationUrlMap', { params: { id: contosoId } });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.text.split('\n')[0]).toBe('oldUrl,newUrl');
    const mapJson = await call(services, 'getMigrationUrlMap', {
      params: { id: contosoId },
      query: { format: 'json' },
    });
    expect(mapJson.json).toEqual([{ oldUrl: 'https://a/x.ism/manifest' }]);
    const detail = await call(services, 'getMigration', { params: { id: contosoId } });
    expect(detail.json).toMatchObject({
      outcome: 'completed',
      artifacts: { report: true, urlMap: true, urls: 1 },
    });
  });
});
