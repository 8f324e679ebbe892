import { ActivityNames } from '../../shared/pipeline/contracts';
import { getDependencies } from '../../shared/pipeline/dependencies';
import { migrateAssetsBatch, migrateContainer } from '../../shared/targets/dispatch';
import { defineActivity } from '../registry';

/** The one entry point of every migration target: a batch of assets for one target. */
defineActivity(ActivityNames.migrateAssetsBatch, (input: unknown) =>
  migrateAssetsBatch(getDependencies(), input),
);

/** A storage-only run: one container of a deleted account, for one target. */
defineActivity(ActivityNames.migrateContainer, (input: unknown) =>
  migrateContainer(getDependencies(), input),
);
