import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { emulatorCredential, startAmsEmulator } from '../emulators/ams';
import { loadConfigWith } from '../shared/config';
import type { MigrationSummary } from '../shared/pipeline/contracts';
import { LocalSecretStore } from '../shared/secrets';
import { connectionStringMediaStorage } from '../shared/storage/media-storage';
import { startAzurite } from './azurite';
import { startLocalHost } from './host';
import { runMigrations } from './migrate-run';
import { VirtualClock } from './runtime';
import { SAMPLE_STORAGE_ACCOUNT, sampleAccountId, sampleSeed } from './sample-account';

/**
 * `npm run demo`: the whole pipeline on one machine, on virtual time. It starts Azurite and the
 * AMS emulator seeded with a sample account that expires in three weeks, runs the account's
 * orchestration across its whole window (export, watch, final snapshot, deletion warning,
 * deletion), and copies the snapshot, URL map and report out of the in-memory Azurite into
 * `demo-output/` before it stops.
 */

const OUTPUT_DIR = resolve(process.cwd(), 'demo-output');
const log = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const began = Date.now();
  const azurite = await startAzurite();
  const clock = new VirtualClock(Date.now());
  log(`Azurite on ${azurite.blobEndpoint}`);
  const emu = await startAmsEmulator({
    storage: { default: azurite.connectionString },
    lro: { durationMs: 0, retryAfterSeconds: 0 },
    clock,
    seed: sampleSeed({ now: clock.now(), expiresInDays: 21 }),
    extensionVisibleAfterMs: 0,
  });
  const report = emu.seedReport?.accounts[0];
  log(`AMS emulator on ${emu.armEndpoint}: ${sampleAccountId()}`);
  const generated = report?.generated;
  if (generated) {
    log(
      `  seeded: ${generated.assets} assets, ${generated.locators} streaming locators (clear, AES and DRM), ` +
        `${generated.contentKeys} content keys, ${generated.containersWritten} asset containers in Azurite; read-only in 21 days`,
    );
  }
  await rm(OUTPUT_DIR, { recursive: true, force: true });
  const secretsDir = join(OUTPUT_DIR, 'secrets');
  const config = loadConfigWith({
    LIFEBOAT_STORAGE: azurite.connectionString,
    LIFEBOAT_STORAGE_BLOB_URL: undefined,
    LIFEBOAT_STORAGE_TABLE_URL: undefined,
    LIFEBOAT_KEY_VAULT_URL: undefined,
    LIFEBOAT_LOCAL_SECRETS_DIR: secretsDir,
  });
  const host = await startLocalHost({
    config,
    clock,
    store: 'table',
    arm: { endpoint: emu.armEndpoint, credential: emulatorCredential, caCert: emu.caCert },
    overrides: {
      secrets: new LocalSecretStore(secretsDir),
      mediaStorage: connectionStringMediaStorage({
        [SAMPLE_STORAGE_ACCOUNT]: azurite.connectionString,
      }),
    },
    log: (line) => process.stderr.write(`${line}\n`),
  });
  try {
    const [outcome] = await runMigrations(
      host,
      [
        {
          accountId: sampleAccountId(),
          targets: [],
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
    log(`URL map:  ${saved.urlMapJson}  and  ${saved.urlMapCsv}`);
    log(`Report:   ${saved.reportHtml}  and  ${saved.reportJson}`);
    log(
      `Secrets:  ${relative(process.cwd(), secretsDir)}/ (the local secret store; never in the files above)`,
    );
    log(
      `Virtual time ${summary.startedAt.slice(0, 10)} → ${summary.updatedAt.slice(0, 10)}; wall time ${((Date.now() - began) / 1000).toFixed(1)} s`,
    );
  } finally {
    await host.stop();
    await emu.stop();
    await azurite.stop();
  }
}

/** Copies the outputs out of the in-memory Azurite, so they outlive the demo. */
async function saveOutputs(
  container: Awaited<ReturnType<typeof startLocalHost>>['deps']['output'],
  summary: MigrationSummary,
) {
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

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(
      `demo failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(1);
  },
);
