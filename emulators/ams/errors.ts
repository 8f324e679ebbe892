/** An ARM error answer: `{ error: { code, message, target?, details? } }` with its status code. */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ArmError';
  }

  body(): { error: { code: string; message: string; target?: string } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.target ? { target: this.target } : {}),
      },
    };
  }
}

export const notFound = () =>
  new ArmError(404, 'NotFound', 'The requested resource was not found.');

export const badRequest = (message: string, target?: string) =>
  new ArmError(400, 'BadRequest', message, target);

export const conflict = (message: string) => new ArmError(409, 'Conflict', message);
