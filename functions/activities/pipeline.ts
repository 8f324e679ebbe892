import { pipelineActivities } from '../../shared/pipeline/activities';
import { getDependencies } from '../../shared/pipeline/dependencies';
import { defineActivity } from '../registry';

/**
 * Registers the pipeline's activities (all of shared/pipeline/contracts.ts except
 * migrateAssetsBatch, which the target adapters provide). Thin: each takes its JSON input and
 * calls shared/ with the process-wide dependencies (shared/pipeline/dependencies.ts), which the
 * local host replaces with its virtual clock, emulator endpoint and Azurite storage.
 */
for (const [name, run] of Object.entries(pipelineActivities)) {
  defineActivity(name, (input: unknown) => run(getDependencies(), input));
}
