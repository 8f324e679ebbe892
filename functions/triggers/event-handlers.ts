import type { EventGridEvent, InvocationContext, Timer } from '@azure/functions';
import { handleAssetBlobEvent } from '../../shared/triggers/blob-events';
import { handleRequestFile } from '../../shared/triggers/request-files';
import type { TriggerServices } from '../../shared/triggers/services';
import { runSweep, type SweepSummary } from '../../shared/triggers/sweep';

/** Thin handlers of the timer sweep and the blob events: parse the trigger, call shared/, log. */

export async function sweepHandler(
  _timer: Timer | undefined,
  context: InvocationContext,
  services: () => TriggerServices,
): Promise<SweepSummary> {
  const { sweep } = services();
  const summary = await runSweep(sweep.deps, sweep.scope, sweep.defaults);
  context.log(
    `sweep ${summary.sweepId}: found ${summary.found}, started ${summary.started}, restarted ${summary.restarted}, already running ${summary.alreadyRunning}, finished ${summary.finished}, deleted ${summary.deleted}, failed ${summary.failed}`,
  );
  return summary;
}

export async function assetBlobEventHandler(
  event: EventGridEvent,
  context: InvocationContext,
  services: () => TriggerServices,
) {
  const outcome = await handleAssetBlobEvent(services().blobEvents, {
    id: event.id,
    eventType: event.eventType,
    subject: event.subject,
    topic: event.topic,
    eventTime: event.eventTime,
    data: event.data,
  });
  if (outcome.action !== 'absorbed') context.log(`blob event ${event.id}: ${outcome.action}`);
  return outcome;
}

export async function requestFileHandler(
  blob: unknown,
  context: InvocationContext,
  services: () => TriggerServices,
) {
  const name = String(context.triggerMetadata?.name ?? context.triggerMetadata?.blobTrigger ?? '');
  const content = Buffer.isBuffer(blob)
    ? blob
    : typeof blob === 'string'
      ? Buffer.from(blob)
      : blob instanceof Uint8Array
        ? Buffer.from(blob)
        : Buffer.alloc(0);
  const result = await handleRequestFile(services().requestFiles, { name, content });
  context.log(
    result
      ? `request file ${name}: ${result.entries} entries, ${result.started} started, ${result.alreadyRunning} already running, ${result.invalid} invalid`
      : `request file ${name}: this content was handled before; nothing to do`,
  );
  return result;
}
