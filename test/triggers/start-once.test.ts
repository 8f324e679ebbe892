import { accountInstanceId } from '../../shared/pipeline/instance-id';
import { handleAssetBlobEvent } from '../../shared/triggers/blob-events';
import { runSweep } from '../../shared/triggers/sweep';
import { call } from './support/http';
import { instancesIn, runtimeServices, startsOf } from './support/runtime';
import { accountArmId, SUB } from './support/services';

/**
 * The three ways in (portal, sweep, blob event) racing for one account on the local runtime: one
 * instance, started once.
 */
describe('one instance per account, whoever starts it', () => {
  const account = accountArmId('raced');
  const { services, runtime } = runtimeServices({
    env: { LIFEBOAT_SUBSCRIPTIONS: SUB },
    listAccounts: async () => [
      { accountId: account, deleted: false, storageAccounts: ['racedmedia'] },
    ],
  });
  afterAll(() => runtime.stop());
  const id = accountInstanceId(account);

  it('starts once under concurrent portal calls, sweeps and blob events', async () => {
    const body = JSON.stringify({ accountId: account, targets: ['static'] });
    const headers = { 'content-type': 'application/json' };
    await services.blobEvents.index.recordStorageAccounts(account, ['racedmedia']);
    const calls = Array.from({ length: 20 }, () =>
      call(services, 'startMigration', { headers, body }),
    );
    const sweeps = Array.from({ length: 3 }, () =>
      runSweep(services.sweep.deps, services.sweep.scope, services.sweep.defaults),
    );
    const event = handleAssetBlobEvent(services.blobEvents, {
      id: 'e1',
      eventType: 'Microsoft.Storage.BlobCreated',
      subject: '/blobServices/default/containers/asset-1/blobs/a.mp4',
      topic: `/subscriptions/${SUB}/resourceGroups/media/providers/Microsoft.Storage/storageAccounts/racedmedia`,
      eventTime: '2025-01-01T00:00:00Z',
    });
    const answers = await Promise.all(calls);
    const summaries = await Promise.all(sweeps);
    await event;

    expect(answers.map((a) => a.status)).toEqual(Array(20).fill(202));
    const created =
      answers.filter((a) => (a.json as { created: boolean }).created).length +
      summaries.reduce((n, s) => n + s.started, 0);
    expect(created).toBe(1);
    expect((await instancesIn(runtime)).map((i) => i.instanceId)).toEqual([id]);
    expect(await startsOf(runtime, id)).toBe(1);
  });

  it('cancels over the API and then reports the run as finished', async () => {
    const cancel = await call(services, 'cancelMigration', { params: { id } });
    expect(cancel.status).toBe(202);
    expect((await runtime.waitForCompletion(id)).runtimeStatus).toBe('Completed');
    const detail = await call(services, 'getMigration', { params: { id } });
    expect(detail.json).toMatchObject({
      runtimeStatus: 'Completed',
      phase: 'done',
      outcome: 'cancelled',
    });
    const again = await call(services, 'startMigration', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ accountId: account, targets: ['static'] }),
    });
    expect(again.status).toBe(200);
    expect(again.json).toMatchObject({ outcome: 'finished', created: false });
    expect(await startsOf(runtime, id)).toBe(1);
  });
});
