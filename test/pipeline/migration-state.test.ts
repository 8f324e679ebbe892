import type { MigrationRequest, SnapshotRef } from '../../shared/pipeline/contracts';
import {
  addResult,
  dropPostOnlyWork,
  enqueueSnapshotWork,
  initialState,
  queueRecords,
  recordFailure,
  recordSnapshot,
  rememberFailedBatch,
  requeueFailedBatches,
  takeWave,
  tallyFor,
  type WorkBatch,
} from '../../shared/pipeline/migration-state';
import { defaultTuning, resolveTuning } from '../../shared/pipeline/tuning';

const request: MigrationRequest = {
  accountId: '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Media/mediaServices/acct',
  targets: ['static', 'mkio'],
  extensionPolicy: 'auto',
};
const NOW = '2026-01-01T00:00:00.000Z';

function snapshot(counts: Record<string, number>): SnapshotRef {
  return { path: 'snapshots/s/rg/acct/t1/', takenAt: NOW, counts, unreadable: [], readOnly: false };
}

const tuning = resolveTuning({
  keyBatchSize: 10,
  pathBatchSize: 20,
  assetBatchSize: 5,
  parallelism: 3,
});

function drain(state: ReturnType<typeof initialState>): WorkBatch[][] {
  const out: WorkBatch[][] = [];
  for (
    let wave = takeWave(state, tuning, 1000);
    wave.length;
    wave = takeWave(state, tuning, 1000)
  ) {
    out.push(wave);
  }
  return out;
}

describe('migration state', () => {
  it('queues secrets, keys, paths, then each target, and covers every record once', () => {
    const state = initialState(request, 'ams~s~rg~acct', NOW);
    enqueueSnapshotWork(
      state,
      snapshot({ assets: 12, streamingLocators: 25, contentKeyPolicies: 3 }),
      request,
      tuning,
      { readOnly: false, targets: true },
    );
    expect(state.queue.map((s) => `${s.stage}${s.target ? `:${s.target}` : ''}`)).toEqual([
      'secrets',
      'keys',
      'paths',
      'targets:static',
      'targets:mkio',
    ]);
    expect(state.tallies.keys.total).toBe(25);
    expect(state.tallies.targets.mkio?.total).toBe(12);
    const waves = drain(state);
    // Key and secret waves hold one batch (one key budget); the others up to the parallelism.
    for (const wave of waves) {
      const stage = wave[0]!.stage;
      expect(wave.every((w) => w.stage === stage)).toBe(true);
      if (stage === 'keys' || stage === 'secrets') expect(wave).toHaveLength(1);
      else expect(wave.length).toBeLessThanOrEqual(3);
    }
    const covered = (stage: string, target?: string) =>
      waves
        .flat()
        .filter((w) => w.stage === stage && w.target === target)
        .map((w) => [w.batch.offset, w.batch.count]);
    expect(covered('keys')).toEqual([
      [0, 10],
      [10, 10],
      [20, 5],
    ]);
    expect(covered('paths')).toEqual([
      [0, 20],
      [20, 5],
    ]);
    expect(covered('targets', 'static')).toEqual([
      [0, 5],
      [5, 5],
      [10, 2],
    ]);
    expect(queueRecords(state)).toBe(0);
  });

  it('takes no more batches than the generation allows, and resumes where it stopped', () => {
    const state = initialState(request, 'i', NOW);
    enqueueSnapshotWork(state, snapshot({ streamingLocators: 100 }), request, tuning, {
      readOnly: true,
      targets: false,
    });
    const first = takeWave(state, tuning, 2);
    expect(first.map((w) => w.batch.offset)).toEqual([0, 20]);
    expect(first.every((w) => w.derive)).toBe(true);
    const rest = drain(state).flat();
    expect(rest.map((w) => w.batch.offset)).toEqual([40, 60, 80]);
  });

  it('gives a read-only account derived paths and no key work', () => {
    const state = initialState(request, 'i', NOW);
    enqueueSnapshotWork(
      state,
      snapshot({ streamingLocators: 5, contentKeyPolicies: 2, assets: 1 }),
      request,
      tuning,
      { readOnly: true, targets: true },
    );
    expect(state.queue.map((s) => s.stage)).toEqual(['paths', 'targets', 'targets']);
    expect(state.pathsDerived).toBe(true);
  });

  it('counts key work left at read-only as failed and switches paths to derivation', () => {
    const state = initialState(request, 'i', NOW);
    enqueueSnapshotWork(
      state,
      snapshot({ streamingLocators: 30, contentKeyPolicies: 0 }),
      request,
      tuning,
      {
        readOnly: false,
        targets: false,
      },
    );
    const wave = takeWave(state, tuning, 10);
    addResult(tallyFor(state, wave[0]!), {
      done: 10,
      failed: 0,
      skipped: 0,
      calls: 10,
      waitedMs: 0,
    });
    expect(dropPostOnlyWork(state, NOW)).toBe(20);
    expect(state.tallies.keys).toMatchObject({ total: 30, done: 10, failed: 20 });
    expect(state.queue).toHaveLength(1);
    expect(state.queue[0]).toMatchObject({ stage: 'paths', derive: true });
    expect(state.failures.at(-1)?.error).toMatch(/read-only before 20 records/);
  });

  it('retries a failed batch once more without counting it twice', () => {
    const state = initialState(request, 'i', NOW);
    enqueueSnapshotWork(state, snapshot({ streamingLocators: 10 }), request, tuning, {
      readOnly: false,
      targets: false,
    });
    const [work] = takeWave(state, tuning, 1);
    // The whole batch failed after its retries.
    addResult(tallyFor(state, work!), { done: 0, failed: 10, skipped: 0, calls: 4, waitedMs: 0 });
    rememberFailedBatch(state, work!, 10);
    expect(requeueFailedBatches(state)).toBe(1);
    expect(state.queue[0]).toMatchObject({ stage: 'keys', offset: 0, total: 10, retryOf: 10 });
    const [again] = takeWave(state, tuning, 1);
    expect(again?.retryOf).toBe(10);
    // The second pass does 8, 2 still fail; nothing is double counted.
    addResult(
      tallyFor(state, again!),
      { done: 8, failed: 2, skipped: 0, calls: 10, waitedMs: 0 },
      again!.retryOf,
    );
    expect(state.tallies.keys).toMatchObject({ total: 10, done: 8, failed: 2 });
  });

  it('keeps failures, timeline and snapshots bounded', () => {
    const state = initialState(request, 'i', NOW);
    for (let i = 0; i < 500; i++) {
      recordFailure(state, { at: NOW, stage: 'keys', where: `b${i}`, error: 'x' });
      recordSnapshot(state, { ...snapshot({}), path: `p${i}` });
    }
    expect(state.failures).toHaveLength(20);
    expect(state.failureCount).toBe(500);
    expect(state.snapshots[0]?.path).toBe('p0');
    expect(state.snapshots.length).toBeLessThanOrEqual(6);
  });

  it('validates tuning', () => {
    expect(resolveTuning(undefined)).toEqual(defaultTuning);
    expect(() => resolveTuning({ parallelism: 0, keyBatchSize: 1.5e9 })).toThrow(
      /parallelism must be between 1 and 64.*keyBatchSize/,
    );
    expect(() => resolveTuning({ nope: 1 } as never)).toThrow(/unknown tuning setting "nope"/);
  });
});
