/**
 * Errors the API answers with: a status, a stable code a portal can branch on, and a message that
 * says what is wrong in words. Nothing else about the failure (stack, SDK text) reaches a caller.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: string[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string, details?: string[]) =>
  new ApiError(400, 'BadRequest', message, details);
export const notFound = (message: string) => new ApiError(404, 'NotFound', message);
export const conflict = (message: string) => new ApiError(409, 'Conflict', message);
export const tooLarge = (limit: number) =>
  new ApiError(413, 'PayloadTooLarge', `the request body is larger than ${limit} bytes`);
export const notAcceptable = (offered: string[]) =>
  new ApiError(406, 'NotAcceptable', `this resource is available as ${offered.join(' or ')}`);
export const unsupportedMediaType = (expected: string) =>
  new ApiError(415, 'UnsupportedMediaType', `the request body must be ${expected}`);

export interface ErrorBody {
  error: { code: string; message: string; details?: string[] };
}

export function errorBody(error: ApiError): ErrorBody {
  return {
    error: {
      code: error.code,
      message: error.message,
      ...(error.details?.length ? { details: error.details } : {}),
    },
  };
}
