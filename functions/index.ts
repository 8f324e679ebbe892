/**
 * The app entry (package.json `main`): importing a module registers its functions with the
 * Functions host. Every function of the app is registered from here.
 */
import { app } from '@azure/functions';
import { getConfig } from '../shared/config';
import './health';
import './activities/pipeline';
import './account-migration';

// Fail the start with every bad setting named, not the first request that needs one.
app.hook.appStart(() => {
  getConfig();
});
