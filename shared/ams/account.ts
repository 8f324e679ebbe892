import type { AzureMediaServices, MediaService } from '@azure/arm-mediaservices';
import { createPipelineRequest } from '@azure/core-rest-pipeline';
import type { AccountRef } from '../account-id';
import { formatAccountId } from '../account-id';
import { isNotFound } from './errors';

export const RETIREMENT_HEADER = 'ams-retirement-date';
export const EXTEND_HEADER = 'ams-extend-retirement';
/** The api-version the extension was seen with; the SDK itself sends 2021-11-01 for accounts. */
export const EXTENSION_API_VERSION = '2023-01-01';

export interface AccountReading {
  exists: boolean;
  account?: MediaService;
  /** ISO-8601, from the `ams-retirement-date` response header. */
  retirementDate?: string;
}

/** Parses the header's value (`2025-04-01T00:00:00.0000000+00:00`) to ISO-8601; undefined if absent or bad. */
export function parseRetirementHeader(value: string | undefined): string | undefined {
  if (!value) return undefined;
  const ms = Date.parse(value.trim());
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}

/** GETs the account and reads its retirement date from the raw response header. */
export async function readAccount(
  client: AzureMediaServices,
  ref: AccountRef,
): Promise<AccountReading> {
  let header: string | undefined;
  try {
    const account = await client.mediaservices.get(ref.resourceGroup, ref.accountName, {
      onResponse: (raw) => {
        header = raw.headers.get(RETIREMENT_HEADER);
      },
    });
    return { exists: true, account, retirementDate: parseRetirementHeader(header) };
  } catch (error) {
    if (isNotFound(error)) return { exists: false };
    throw error;
  }
}

export interface ExtensionAnswer {
  status: number;
  /** The service's answer: the body's error code and message, or the status line. */
  answer: string;
  accepted: boolean;
}

/**
 * Asks for the one-time extension: PATCH of the account with body `{}` and the header
 * `ams-extend-retirement: True`. Sent through the client's own pipeline (auth, retries, trust),
 * since the SDK's model has no such option. Success is 202 (200 is accepted too).
 */
export async function patchExtension(
  client: AzureMediaServices,
  ref: AccountRef,
): Promise<ExtensionAnswer> {
  const url = `${client.$host}${formatAccountId(ref)}?api-version=${EXTENSION_API_VERSION}`;
  const request = createPipelineRequest({
    url,
    method: 'PATCH',
    body: '{}',
    headers: undefined,
  });
  request.headers.set('Content-Type', 'application/json');
  request.headers.set(EXTEND_HEADER, 'True');
  const response = await client.sendRequest(request);
  let answer = `HTTP ${response.status}`;
  if (response.bodyAsText) {
    try {
      const body = JSON.parse(response.bodyAsText) as {
        error?: { code?: string; message?: string };
      };
      if (body.error)
        answer = `HTTP ${response.status} ${body.error.code ?? ''}: ${body.error.message ?? ''}`;
    } catch {
      answer = `HTTP ${response.status} ${response.bodyAsText.slice(0, 300)}`;
    }
  }
  return {
    status: response.status,
    answer,
    accepted: response.status === 202 || response.status === 200,
  };
}
