import type { PipelineDependencies } from '../pipeline/dependencies';
import { redactSecrets } from '../telemetry/redact';

export const EVENT_KIND = 'event';
let sequence = 0;

/** Appends a line to the account's timeline (the report's "what happened when"). */
export async function recordEvent(
  deps: Pick<PipelineDependencies, 'ledger' | 'clock'>,
  accountId: string,
  text: string,
  at = deps.clock.now(),
): Promise<void> {
  const stamp = new Date(at).toISOString();
  sequence = (sequence + 1) % 1000;
  await deps.ledger.complete(
    accountId,
    { kind: EVENT_KIND, name: `${stamp}#${String(sequence).padStart(3, '0')}` },
    {
      at: stamp,
      text: redactSecrets(text),
    },
  );
}
