#!/usr/bin/env node
import { readFile, writeFile } from 'node:fs/promises';

import type { TokenCredential } from '@azure/core-auth';
import { emulatorCredential, type SeedDescription } from '../emulators/ams';
import { canonicalAccountId, parseAccountId } from '../shared/account-id';
import { getConfig, type LifeboatConfig } from '../shared/config';
import type { MigrationStatus } from '../shared/pipeline/custom-status';
import type { MigrationRequest, MigrationSummary } from '../shared/pipeline/contracts';
import { EventNames } from '../shared/pipeline/contracts';
import { accountInstanceId } from '../shared/pipeline/instance-id';
import { discoverSubscription } from '../shared/discovery/discover';
import {
  parseCli,
  UsageError,
  USAGE,
  type MigrateCommand,
  type ReportCommand,
  type StatusCommand,
} from './cli-args';
import { startEmulatedHost } from './emulated-host';
import { startLocalHost, type LocalHost } from './host';
import { runMigrations, type AccountOutcome } from './migrate-run';
import { parseServeArgs } from './serve-args';
import { serveLocal } from './serve-host';
import { sampleSeed } from './sample-account';

/**
 * `ams-lifeboat`: the pipeline on one machine. It runs the app's own orchestration and activities
 * on the local durable runtime, with its state (orchestration history, ledger, snapshots, URL
 * maps, reports) in the storage account of LIFEBOAT_STORAGE, so a second run continues where the
 * first stopped. Against real Azure it signs in with DefaultAzureCredential; with --emulator it
 * starts Azurite and the AMS emulator (seeded with a sample account) and runs on virtual time.
 */

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

interface Environment {
  config: LifeboatConfig;
  host: LocalHost;
  cleanup: Array<() => Promise<void>>;
  defaultAccounts: string[];
}

async function emulatedEnvironment(seedFile: string | undefined): Promise<Environment> {
  const seed: SeedDescription | undefined = seedFile
    ? (JSON.parse(await readFile(seedFile, 'utf8')) as SeedDescription)
    : undefined;
  err('starting the AMS emulator and seeding it (this writes the sample media into Azurite)...');
  const world = await startEmulatedHost({
    seed: (now) => seed ?? sampleSeed({ now }),
    log: err,
  });
  return {
    config: world.config,
    host: world.host,
    cleanup: [() => world.stop()],
    defaultAccounts: world.accounts,
  };
}

async function azureEnvironment(cmd: Partial<MigrateCommand>): Promise<Environment> {
  const config = getConfig();
  let arm: { endpoint: string; credential: TokenCredential; caCert?: string } | undefined;
  if (cmd.armEndpoint) {
    // Another ARM endpoint is an AMS emulator (npm run emulator), which takes any bearer token.
    arm = {
      endpoint: cmd.armEndpoint,
      credential: emulatorCredential,
      caCert: cmd.caCert ? await readFile(cmd.caCert, 'utf8') : undefined,
    };
  }
  const host = await startLocalHost({ config, store: 'table', arm, log: err });
  return { config, host, cleanup: [() => host.stop()], defaultAccounts: [] };
}

async function close(env: Environment): Promise<void> {
  for (const step of env.cleanup) await step().catch(() => undefined);
}

function where(env: Environment, path: string | undefined): string | undefined {
  return path ? `${env.host.deps.output.url}/${path}` : undefined;
}

function printOutcome(env: Environment, o: AccountOutcome): void {
  const summary: MigrationSummary | undefined = o.summary;
  const status: MigrationStatus | undefined = o.status;
  out(`${canonicalAccountId(o.accountId)}`);
  out(`  instance   ${o.instanceId} (${o.start}; now ${o.runtimeStatus})`);
  out(
    `  phase      ${summary?.phase ?? status?.phase ?? '-'}${summary?.outcome ? ` (${summary.outcome})` : ''}`,
  );
  const snapshot = summary?.snapshots.at(-1)?.path ?? status?.snapshot;
  out(`  snapshot   ${where(env, snapshot) ?? '-'}`);
  const urlMap = summary?.urlMap;
  out(`  URL map    ${where(env, urlMap?.jsonPath ?? status?.urlMap) ?? '-'}`);
  if (urlMap) out(`             ${where(env, urlMap.csvPath)} (${urlMap.rows} old URLs)`);
  const report = summary?.report;
  out(`  report     ${where(env, report?.htmlPath ?? status?.report) ?? '-'}`);
  if (report) out(`             ${where(env, report.jsonPath)}`);
  const failures = summary?.failureCount ?? status?.failureCount ?? 0;
  if (failures) out(`  failures   ${failures} (see the report and the ledger)`);
}

async function migrate(cmd: MigrateCommand): Promise<number> {
  const env = cmd.emulator ? await emulatedEnvironment(cmd.seed) : await azureEnvironment(cmd);
  try {
    const accounts = new Set(cmd.accounts.map(canonicalAccountId));
    for (const subscriptionId of cmd.subscriptions) {
      const found = await discoverSubscription(env.host.deps, {
        subscriptionId,
        resourceGroups: cmd.resourceGroups,
      });
      err(`subscription ${subscriptionId}: ${found.length} Media Services accounts`);
      for (const account of found) accounts.add(canonicalAccountId(account.accountId));
    }
    if (accounts.size === 0)
      for (const id of env.defaultAccounts) accounts.add(canonicalAccountId(id));
    if (accounts.size === 0) {
      err('no accounts to migrate');
      return 1;
    }
    const requests: MigrationRequest[] = [...accounts].map((accountId) => ({
      accountId,
      targets: cmd.targets,
      extensionPolicy: cmd.extensionPolicy ?? env.config.extensionPolicy,
      requireApproval: cmd.requireApproval ?? env.config.requireApproval,
      keyBudgetPerHour: env.config.contentKeyBudgetPerHour,
    }));
    const outcomes = await runMigrations(env.host, requests, {
      until: cmd.emulator ? 'done' : cmd.until,
      progress: cmd.progress,
      restartCompleted: cmd.restart,
    });
    for (const o of outcomes) printOutcome(env, o);
    return outcomes.some((o) => o.runtimeStatus === 'Failed') ? 1 : 0;
  } finally {
    await close(env);
  }
}

async function readOnlyEnvironment(): Promise<Environment> {
  return azureEnvironment({});
}

async function status(cmd: StatusCommand): Promise<number> {
  const env = await readOnlyEnvironment();
  try {
    const ids = cmd.accounts.length
      ? cmd.accounts.map(accountInstanceId)
      : (await env.host.runtime.client.getStatusBy({})).map((s) => s.instanceId);
    const rows: Array<{ instanceId: string; runtimeStatus?: string; status?: unknown }> = [];
    for (const id of ids) {
      const record = await env.host.runtime.getRecord(id);
      rows.push({
        instanceId: id,
        runtimeStatus: record?.runtimeStatus ?? 'NotFound',
        status: record?.customStatus ? (JSON.parse(record.customStatus) as unknown) : undefined,
      });
    }
    if (cmd.json) out(JSON.stringify(rows, null, 2));
    else {
      if (!rows.length) out('no migrations in this task hub');
      for (const row of rows) {
        const s = row.status as MigrationStatus | undefined;
        out(
          `${row.instanceId}  ${row.runtimeStatus}  ${s?.phase ?? ''}${s?.outcome ? ` (${s.outcome})` : ''}`,
        );
        if (s) {
          out(
            `  keys ${s.progress.keys.done}/${s.progress.keys.total}  secrets ${s.progress.secrets.done}/${s.progress.secrets.total}  paths ${s.progress.paths.done}/${s.progress.paths.total}  failures ${s.failureCount}`,
          );
          if (s.deadlines.readOnlyAt)
            out(`  read-only ${s.deadlines.readOnlyAt}  deletion ${s.deadlines.deletionAt ?? '-'}`);
          if (s.nextWakeUpAt) out(`  next wake-up ${s.nextWakeUpAt}`);
        }
      }
    }
    return rows.some((r) => r.runtimeStatus === 'NotFound') ? 1 : 0;
  } finally {
    await close(env);
  }
}

async function report(cmd: ReportCommand): Promise<number> {
  const env = await readOnlyEnvironment();
  try {
    const record = await env.host.runtime.getRecord(accountInstanceId(cmd.account));
    if (!record) {
      err(`no migration of ${cmd.account} in this task hub`);
      return 1;
    }
    const summary = record.output ? (JSON.parse(record.output) as MigrationSummary) : undefined;
    const live = record.customStatus
      ? (JSON.parse(record.customStatus) as MigrationStatus)
      : undefined;
    const paths: Record<ReportCommand['format'], string | undefined> = {
      html: summary?.report?.htmlPath ?? live?.report,
      json: summary?.report?.jsonPath ?? live?.report?.replace(/\.html$/, '.json'),
      'urlmap-json': summary?.urlMap?.jsonPath ?? live?.urlMap,
      'urlmap-csv': summary?.urlMap?.csvPath ?? live?.urlMap?.replace(/\.json$/, '.csv'),
    };
    const path = paths[cmd.format];
    if (!path) {
      err(`the migration of ${cmd.account} has not written its ${cmd.format} yet`);
      return 1;
    }
    const body = await env.host.deps.output.getBlobClient(path).downloadToBuffer();
    if (cmd.out) {
      await writeFile(cmd.out, body);
      err(`wrote ${cmd.out}`);
    } else process.stdout.write(body);
    return 0;
  } finally {
    await close(env);
  }
}

async function raise(command: 'approve' | 'cancel', account: string): Promise<number> {
  const env = await readOnlyEnvironment();
  try {
    const id = accountInstanceId(account);
    await env.host.runtime.client.raiseEvent(id, EventNames[command], { by: 'ams-lifeboat' });
    out(`${command} sent to ${id}`);
    return 0;
  } finally {
    await close(env);
  }
}

/** `ams-lifeboat serve`: the portal API (local/serve.ts) over this host's runtime until Ctrl-C. */
async function serve(argv: readonly string[]): Promise<number> {
  let args: ReturnType<typeof parseServeArgs>;
  try {
    args = parseServeArgs(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const env = args.emulator
    ? await emulatedEnvironment(args.seed)
    : await azureEnvironment({ armEndpoint: args.armEndpoint, caCert: args.caCert });
  try {
    await env.host.runtime.start();
    // On the emulators the sweep covers the seeded subscriptions unless told otherwise.
    const config =
      args.emulator && env.config.subscriptions.length === 0
        ? {
            ...env.config,
            subscriptions: [
              ...new Set(env.defaultAccounts.map((a) => parseAccountId(a).subscriptionId)),
            ],
          }
        : env.config;
    const server = await serveLocal({
      config,
      client: env.host.runtime.client,
      clock: env.host.clock,
      mediaClient: (subscriptionId) => env.host.deps.ams.forSubscription(subscriptionId),
      host: args.host,
      port: args.port,
      keys: args.keys,
      corsOrigins: args.corsOrigins,
      log: (level, line) => {
        if (level === 'error' || level === 'warning') err(line);
      },
    });
    out(`portal API at ${server.url}/api/migrations (OpenAPI: ${server.url}/api/openapi.json)`);
    if (!args.keys.length) out(`function key (x-functions-key header or ?code=): ${server.key}`);
    if (args.emulator) out(`sample account: ${env.defaultAccounts.join(', ')}`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    await server.close();
    return 0;
  } finally {
    await close(env);
  }
}

export async function main(argv: readonly string[]): Promise<number> {
  try {
    if (argv[0] === 'serve') return await serve(argv.slice(1));
    const cmd = parseCli(argv);
    switch (cmd.command) {
      case 'help':
        out(USAGE);
        return 0;
      case 'migrate':
        return await migrate(cmd);
      case 'status':
        return await status(cmd);
      case 'report':
        return await report(cmd);
      case 'approve':
      case 'cancel':
        return await raise(cmd.command, cmd.account);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      err(`ams-lifeboat: ${error.message}`);
      err('try: ams-lifeboat help');
      return 2;
    }
    err(`ams-lifeboat: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (require.main === module) {
  void main(process.argv.slice(2)).then((code) => process.exit(code));
}
