/** SES errors as both API generations name them; v2 and v1 each put them on the wire in their own format. */

export class SesError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly fault = 'Sender',
  ) {
    super(message);
  }
}

export const badRequest = (message: string) => new SesError('BadRequestException', 400, message);
export const notFound = (id: string) => new SesError('NotFoundException', 404, `Email identity ${id} does not exist.`);

/** An injected failure as each API generation reports it (v1 throttles with 400 Throttling). */
export const injected = (kind: 'throttle' | 'server_error', v1: boolean) =>
  kind === 'server_error'
    ? new SesError('InternalFailure', 500, 'An internal error occurred.', 'Receiver')
    : v1
      ? new SesError('Throttling', 400, 'Rate exceeded')
      : new SesError('TooManyRequestsException', 429, 'Too Many Requests.');
