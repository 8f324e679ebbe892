import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import {
  defaultPackagerPath,
  PackagerError,
  runPackager,
} from '../../../shared/targets/static/packager';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { AZURITE_ACCOUNT } from '../../../local/azurite';
import { Ledger } from '../../../shared/ledger/ledger';
import { StaticTarget, migrateStaticBatch } from '../../../shared/targets/static/static-target';
import { testStorageConnectionString, uniqueName } from '../../support/storage';
import { ACCOUNT_ID, asset, locator, makeDeps, outputOptions, uploadFixture } from './helpers';

function tableOf(ledger: Ledger): string {
  return (ledger as unknown as { table: { tableName: string } }).table.tableName;
}

describe('static target: re-runs, locks and a killed run', () => {
  it('two runs of the same asset at once package it once', async () => {
    const deps = await makeDeps();
    const container = uniqueName('asset-');
    await uploadFixture(deps.mediaStorage.container(AZURITE_ACCOUNT, container), 'encoder');
    const target = new StaticTarget(outputOptions(uniqueName('out')));
    const item = asset({ assetName: 'twice', container, locators: [locator(randomUUID())] });
    const [a, b] = await Promise.all([
      target.migrateAsset(item, deps),
      target.migrateAsset(item, deps),
    ]);
    expect([a.status, b.status].sort()).toEqual(['done', 'skipped']);
    expect([a, b].find((r) => r.status === 'skipped')?.reason).toBe('already migrated');
    const item2 = await deps.ledger.get(ACCOUNT_ID, {
      kind: 'asset',
      name: 'twice',
      target: 'static',
    });
    expect(item2?.attempts).toBe(1);
  });

  it('a run killed mid-batch resumes: the re-run completes only what is missing', async () => {
    const deps = await makeDeps();
    const outName = uniqueName('out');
    const assets = [];
    for (const name of ['first asset', 'second asset', 'third asset']) {
      const container = uniqueName('asset-');
      await uploadFixture(
        deps.mediaStorage.container(AZURITE_ACCOUNT, container),
        name === 'second asset' ? 'smooth' : 'encoder',
      );
      assets.push(asset({ assetName: name, container, locators: [locator(randomUUID())] }));
    }
    const options = outputOptions(outName);
    const child = spawn(
      process.execPath,
      [
        '-r',
        join(__dirname, '..', '..', 'support', 'register-ts.js'),
        join(__dirname, 'support', 'batch-child.ts'),
        JSON.stringify({
          connection: testStorageConnectionString(),
          account: AZURITE_ACCOUNT,
          table: tableOf(deps.ledger),
          secretsDir: deps.secretsDir,
          assets,
          options,
        }),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const killed = await new Promise<boolean>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        if (out.includes('DONE first asset done')) {
          child.kill('SIGKILL');
          resolve(true);
        }
      });
      child.once('exit', (code) =>
        code === null ? undefined : reject(new Error(`child exited ${code}: ${stderr}`)),
      );
    });
    expect(killed).toBe(true);
    await new Promise((r) => child.once('close', r));

    const status = async (name: string) =>
      (await deps.ledger.get(ACCOUNT_ID, { kind: 'asset', name, target: 'static' }))?.status;
    expect(await status('first asset')).toBe('done');
    expect(['running', undefined]).toContain(await status('second asset'));
    expect(await status('third asset')).toBeUndefined();

    // The re-run waits out the killed run's lock lease on the second asset, then finishes the rest.
    const results = await migrateStaticBatch(assets, options, deps);
    const byName = Object.fromEntries(results.map((r) => [r.assetName, r]));
    expect(byName['first asset']).toMatchObject({ status: 'skipped', reason: 'already migrated' });
    expect(byName['second asset']?.status).toBe('done');
    expect(byName['third asset']?.status).toBe('done');
    expect(byName['first asset']?.urls.length).toBeGreaterThan(0);

    // And a third run does nothing.
    const again = await migrateStaticBatch(assets, options, deps);
    expect(again.map((r) => r.status)).toEqual(['skipped', 'skipped', 'skipped']);
  }, 90_000);
});

describe('static target: packager failures', () => {
  it('reports a failed packager run by its exit code and error lines, without key material', async () => {
    const out = await mkdtemp(join(tmpdir(), 'pkg-fail-'));
    const job = {
      outputDir: out,
      hlsMaster: 'm.m3u8',
      mpd: 'm.mpd',
      segmentDuration: 4,
      streams: [{ input: join(out, 'missing.mp4'), stream: '0', output: 'v.mp4' }],
      encryption: { keyIdHex: '00'.repeat(16), keyHex: 'ab'.repeat(16), hlsKeyUri: 'https://k/1' },
    };
    const error = await runPackager(defaultPackagerPath(), job).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PackagerError);
    expect((error as PackagerError).exitCode).not.toBe(0);
    expect((error as Error).message).toMatch(/shaka-packager exited with code \d+/);
    expect((error as Error).message).not.toContain('ab'.repeat(16));
  });

  it('a path template that maps two assets to one folder fails the second, not overwrites the first', async () => {
    const deps = await makeDeps();
    const target = new StaticTarget({
      ...outputOptions(uniqueName('out')),
      pathTemplate: 'one folder',
    });
    const results = [];
    for (const name of ['first', 'second']) {
      const container = uniqueName('asset-');
      await uploadFixture(deps.mediaStorage.container(AZURITE_ACCOUNT, container), 'encoder');
      results.push(await target.migrateAsset(asset({ assetName: name, container }), deps));
    }
    expect(results[0]?.status).toBe('done');
    expect(results[1]?.status).toBe('failed');
    expect(results[1]?.reason).toMatch(/"one folder" already holds another asset/);
  });

  it('a skipped asset is looked at again once the reason is gone', async () => {
    const deps = await makeDeps();
    const container = uniqueName('asset-');
    const item = asset({ assetName: 'later', container, locators: [locator(randomUUID())] });
    const target = new StaticTarget(outputOptions(uniqueName('out')));
    expect((await target.migrateAsset(item, deps)).reason).toBe(
      'the asset container does not exist',
    );
    await uploadFixture(deps.mediaStorage.container(AZURITE_ACCOUNT, container), 'encoder');
    expect((await target.migrateAsset(item, deps)).status).toBe('done');
  });
});
