/**
 * The app entry (package.json `main`): importing a module registers its functions with the
 * Functions host. Every function of the app is registered from here.
 */
import { app } from '@azure/functions';
import { getConfig } from '../shared/config';
import { registerAzureTriggers } from './triggers';
import './health';
import './key-delivery';
import './activities/pipeline';
import './activities/targets';
import './account-migration';

// Reports and URL maps are streamed from storage, never buffered whole in the worker.
app.setup({ enableHttpStream: true });
registerAzureTriggers();

// Fail the start with every bad setting named, not the first request that needs one.
app.hook.appStart(() => {
  getConfig();
});
