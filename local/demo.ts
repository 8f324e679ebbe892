import type { ContainerClient } from '@azure/storage-blob';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import type { SeedDescription } from '../emulators/ams';
import type { MigrationSummary } from '../shared/pipeline/contracts';
import { LocalSecretStore } from '../shared/secrets';
import { startEmulatedHost } from './emulated-host';
import type { LocalHost } from './host';
import { runMigrations } from './migrate-run';
import { SAMPLE_STORAGE_ACCOUNT, sampleAccountId, sampleSeed } from './sample-account';

/**
 * `npm run demo`: the whole pipeline on one machine, on virtual time. It starts Azurite and the
 * AMS emulator seeded with a sample account that expires in three weeks, runs the account's
 * orchestration across its whole window (export, watch, final snapshot, deletion warning,
 * deletion), and copies the snapshot, URL map and report out of the in-memory Azurite into
 * `demo-output/` before it stops.
 */

const OUTPUT_DIR = resolve(process.cwd(), 'demo-output');
/** Where the static target packages the migrated assets (HLS/DASH per locator GUID). */
const STATIC_CONTAINER = 'lifeboat-static';
const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const began = Date.now();
  await rm(OUTPUT_DIR, { recursive: true, force: true });
  const secretsDir = join(OUTPUT_DIR, 'secrets');
  const world = await startEmulatedHost({
    seed: demoSeed,
    settings: { LIFEBOAT_LOCAL_SECRETS_DIR: secretsDir },
    secrets: new LocalSecretStore(secretsDir),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const { azurite, emu, config, host } = world;
  log(`Azurite on ${azurite.blobEndpoint}`);
  log(`AMS emulator on ${emu.armEndpoint}: ${sampleAccountId()}`);
  const generated = emu.seedReport?.accounts[0]?.generated;
  if (generated) {
    log(
      `  seeded: ${generated.assets} assets, ${generated.locators} streaming locators (clear, AES and DRM), ` +
        `${generated.contentKeys} content keys, ${generated.containersWritten} asset containers in Azurite; read-only in 21 days`,
    );
  }
  try {
    const [outcome] = await runMigrations(
      host,
      [
        {
          accountId: sampleAccountId(),
          targets: ['static'],
          targetOptions: { static: { outputContainer: STATIC_CONTAINER } },
          extensionPolicy: config.extensionPolicy,
          keyBudgetPerHour: config.contentKeyBudgetPerHour,
          tuning: { watchIntervalHours: 24 * 7 },
        },
      ],
      { until: 'done', progress: true, stream: process.stderr },
    );
    const summary: MigrationSummary | undefined = outcome?.summary;
    if (!summary) throw new Error(`the migration did not complete (${outcome?.runtimeStatus})`);
    const saved = await saveOutputs(host.deps.output, summary);
    log('');
    log(`Outcome: ${summary.outcome} after ${summary.timeline.length} steps across the window:`);
    for (const e of summary.timeline) log(`  ${e.at.slice(0, 16)}Z  ${e.what}`);
    const t = summary.tallies;
    log(
      `Secured: ${t.keys.done} locators' content keys, ${t.secrets.done} policy secrets, ${t.paths.done} locators' paths` +
        `${summary.failureCount ? `; ${summary.failureCount} failures recorded` : ''}`,
    );
    const counts = summary.snapshots[0]?.counts ?? {};
    log(
      `Snapshot: ${Object.entries(counts)
        .filter(([, n]) => n > 0)
        .map(([type, n]) => `${n} ${type}`)
        .join(', ')}`,
    );
    log(`          ${saved.snapshot}`);
    const packaged = await packagedOutput(
      host.deps.mediaStorage.container(SAMPLE_STORAGE_ACCOUNT, STATIC_CONTAINER),
    );
    const staticTally = t.targets.static;
    log(
      `Static:   ${staticTally?.done ?? 0} assets packaged (HLS + DASH), ${staticTally?.skipped ?? 0} skipped (no media files), ${staticTally?.failed ?? 0} failed`,
    );
    log(
      `          ${packaged.blobs} files, one folder per locator GUID, served from ${packaged.url}/ in the run; copied to ${packaged.folder}/ (e.g. ${packaged.example ?? '-'})`,
    );
    log(`URL map:  ${saved.urlMapJson}  and  ${saved.urlMapCsv}`);
    log(`Report:   ${saved.reportHtml}  and  ${saved.reportJson}`);
    log(
      `Secrets:  ${relative(process.cwd(), secretsDir)}/ (the local secret store; never in the files above)`,
    );
    log(
      `Virtual time ${summary.startedAt.slice(0, 10)} → ${summary.updatedAt.slice(0, 10)}; wall time ${((Date.now() - began) / 1000).toFixed(1)} s`,
    );
  } finally {
    await world.stop();
  }
}

/**
 * Copies what the static target wrote out of the in-memory Azurite (it is small: three sample
 * assets), so the packaged HLS/DASH outlives the demo.
 */
async function packagedOutput(container: ContainerClient) {
  const folder = join(OUTPUT_DIR, 'static');
  let blobs = 0;
  let example: string | undefined;
  for await (const blob of container.listBlobsFlat()) {
    blobs += 1;
    if (!example && blob.name.endsWith('/manifest.m3u8')) example = blob.name;
    const target = join(folder, blob.name);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, await container.getBlobClient(blob.name).downloadToBuffer());
  }
  return { url: container.url, blobs, folder: relative(process.cwd(), folder), example };
}

/** Copies the outputs out of the in-memory Azurite, so they outlive the demo. */
async function saveOutputs(container: LocalHost['deps']['output'], summary: MigrationSummary) {
  const save = async (path: string | undefined, as?: string) => {
    if (!path) return '-';
    const target = join(OUTPUT_DIR, as ?? path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, await container.getBlobClient(path).downloadToBuffer());
    return relative(process.cwd(), target);
  };
  const snapshotPath = summary.snapshots[0]?.path;
  if (snapshotPath) {
    for await (const blob of container.listBlobsFlat({ prefix: snapshotPath })) {
      await save(blob.name, join('snapshot', blob.name.slice(snapshotPath.length)));
    }
  }
  return {
    snapshot: snapshotPath
      ? `${relative(process.cwd(), join(OUTPUT_DIR, 'snapshot'))}/ (manifest.json and one NDJSON file per resource type)`
      : '-',
    urlMapJson: await save(summary.urlMap?.jsonPath, 'urlmap.json'),
    urlMapCsv: await save(summary.urlMap?.csvPath, 'urlmap.csv'),
    reportHtml: await save(summary.report?.htmlPath, 'report.html'),
    reportJson: await save(summary.report?.jsonPath, 'report.json'),
  };
}

/**
 * The sample account with containers for its real-media assets only: the static target packages
 * those, and finds no files to migrate for the rest (skipped, with the reason in the report).
 */
function demoSeed(now: number): SeedDescription {
  const seed = sampleSeed({ now, expiresInDays: 21 });
  for (const account of seed.accounts) if (account.generate) account.generate.containers = 'real';
  return seed;
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
