import { defineActivity } from '../registry';
import {
  STATIC_BATCH_ACTIVITY,
  runStaticBatchActivity,
} from '../../shared/targets/static/activity';

/** The static target's batch activity: see shared/targets/static/activity.ts for input and output. */
defineActivity(STATIC_BATCH_ACTIVITY, (input: unknown) => runStaticBatchActivity(input));
