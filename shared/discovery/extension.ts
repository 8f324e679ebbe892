import { canonicalAccountId, parseAccountId } from '../account-id';
import { patchExtension, readAccount } from '../ams/account';
import type { WorkKey } from '../ledger/ledger';
import type { ExtensionResult, RequestExtensionInput } from '../pipeline/contracts';
import type { PipelineDependencies } from '../pipeline/dependencies';
import { describeError } from '../telemetry/redact';
import { recordEvent } from './events';

export const EXTENSION_KEY: WorkKey = { kind: 'extension', name: 'request' };

const later = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && Date.parse(a) > Date.parse(b);

/**
 * The one-time 30-day extension, idempotent: the PATCH is sent at most once per account (the
 * ledger says whether it was), a refusal is recorded with the service's answer, and every call
 * re-reads the `ams-retirement-date` header to confirm the new date (it can take up to an hour to
 * show), so calling again later only confirms.
 */
export async function requestExtension(
  deps: PipelineDependencies,
  input: RequestExtensionInput,
): Promise<ExtensionResult> {
  await deps.ready();
  const accountId = canonicalAccountId(input.accountId);
  const ref = parseAccountId(accountId);
  const client = deps.ams.forSubscription(ref.subscriptionId);
  const previous = await deps.ledger.get(accountId, EXTENSION_KEY);
  const current = await readAccount(client, ref);
  if (!current.exists) throw new Error(`account ${accountId} does not exist (404): no extension`);

  if (previous && (previous.status === 'done' || previous.status === 'failed')) {
    const before = previous.details?.retirementDateBefore as string | undefined;
    const accepted = previous.status === 'done';
    const confirmed = accepted && later(current.retirementDate, before);
    if (confirmed && previous.details?.confirmed !== true) {
      await deps.ledger.complete(accountId, EXTENSION_KEY, {
        ...previous.details,
        confirmed: true,
      });
      await deps.ledger.updateAccount(accountId, {
        extensionGranted: true,
        retirementDate: current.retirementDate,
      });
      await recordEvent(
        deps,
        accountId,
        `extension confirmed: the retirement date is now ${current.retirementDate ?? '?'}`,
      );
    }
    return {
      sentNow: false,
      requested: true,
      accepted,
      confirmed: confirmed || previous.details?.confirmed === true,
      answer: (previous.details?.answer as string | undefined) ?? previous.lastError,
      retirementDateBefore: before,
      retirementDate: current.retirementDate,
    };
  }

  const now = deps.clock.now();
  if (current.retirementDate && Date.parse(current.retirementDate) <= now) {
    const reason = 'the account is already read-only: the extension can no longer be asked for';
    await deps.ledger.skip(accountId, EXTENSION_KEY, reason);
    return {
      sentNow: false,
      requested: false,
      accepted: false,
      confirmed: false,
      answer: reason,
      retirementDate: current.retirementDate,
    };
  }

  await deps.ledger.start(accountId, EXTENSION_KEY);
  const answer = await patchExtension(client, ref);
  const text = describeError(answer.answer, 500);
  if (answer.status >= 500) throw new Error(`extension request failed: ${text}`);
  const sentAt = new Date(deps.clock.now()).toISOString();
  const details = { retirementDateBefore: current.retirementDate, answer: text, sentAt };
  if (!answer.accepted) {
    await deps.ledger.fail(accountId, EXTENSION_KEY, `refused: ${text}`);
    await deps.ledger.updateAccount(accountId, {
      extensionRequestedAt: sentAt,
      extensionRefused: text,
    });
    await recordEvent(deps, accountId, `extension refused by the service: ${text}`);
    return {
      sentNow: true,
      requested: true,
      accepted: false,
      confirmed: false,
      answer: text,
      retirementDateBefore: current.retirementDate,
      retirementDate: current.retirementDate,
    };
  }
  const after = await readAccount(client, ref);
  const confirmed = later(after.retirementDate, current.retirementDate);
  await deps.ledger.complete(accountId, EXTENSION_KEY, { ...details, confirmed });
  await deps.ledger.updateAccount(accountId, {
    extensionRequestedAt: sentAt,
    extensionAccepted: true,
    ...(confirmed ? { extensionGranted: true, retirementDate: after.retirementDate } : {}),
  });
  await recordEvent(
    deps,
    accountId,
    `extension requested: ${text}${confirmed ? `; new retirement date ${after.retirementDate ?? '?'}` : '; the new date is not visible yet'}`,
  );
  return {
    sentNow: true,
    requested: true,
    accepted: true,
    confirmed,
    answer: text,
    retirementDateBefore: current.retirementDate,
    retirementDate: after.retirementDate,
  };
}
