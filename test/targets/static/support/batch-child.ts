/**
 * Child process of the kill-and-resume test: migrates a batch one asset at a time and prints
 * `DONE <asset>` after each, so the parent can kill it mid-batch.
 */
import { TableClient } from '@azure/data-tables';
import { systemClock } from '../../../../shared/clock';
import { Ledger } from '../../../../shared/ledger/ledger';
import { LocalSecretStore } from '../../../../shared/secrets/local-secret-store';
import { connectionStringMediaStorage } from '../../../../shared/storage/media-storage';
import { migrateStaticBatch } from '../../../../shared/targets/static/static-target';
import type { AssetToMigrate } from '../../../../shared/targets/target';
import type { StaticTargetOptionsInput } from '../../../../shared/targets/static/options';

interface ChildInput {
  connection: string;
  account: string;
  table: string;
  secretsDir: string;
  assets: AssetToMigrate[];
  options: StaticTargetOptionsInput;
}

async function main(): Promise<void> {
  const input = JSON.parse(process.argv[2] ?? '{}') as ChildInput;
  const ledger = new Ledger(
    TableClient.fromConnectionString(input.connection, input.table, {
      allowInsecureConnection: true,
    }),
  );
  const deps = {
    mediaStorage: connectionStringMediaStorage({ [input.account]: input.connection }),
    secrets: new LocalSecretStore(input.secretsDir),
    ledger,
    clock: systemClock,
  };
  await migrateStaticBatch(
    input.assets,
    { ...input.options, assetConcurrency: 1 },
    deps,
    (asset, result) => {
      process.stdout.write(`DONE ${asset.assetName} ${result.status}\n`);
    },
  );
  process.stdout.write('BATCH COMPLETE\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
