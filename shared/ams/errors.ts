import { RestError } from '@azure/core-rest-pipeline';

/** The HTTP status of an SDK error, if it carries one. */
export function statusOf(error: unknown): number | undefined {
  if (error instanceof RestError) return error.statusCode;
  const status = (error as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}

export function isNotFound(error: unknown): boolean {
  return statusOf(error) === 404;
}

/** The ARM error code of an SDK error (`error.code` in the body), if any. */
export function armCode(error: unknown): string | undefined {
  if (error instanceof RestError && typeof error.code === 'string') return error.code;
  return undefined;
}
