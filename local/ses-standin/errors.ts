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

/**
 * Credentials that name no account, as AWS refuses them before the service sees the call: no
 * signature, a key id nobody issued (or a session token that is not its own), or an expired one.
 */
export function unauthorized(problem: 'missing' | 'unknown' | 'expired', v1: boolean): SesError {
  if (problem === 'missing')
    return new SesError(
      v1 ? 'MissingAuthenticationToken' : 'MissingAuthenticationTokenException',
      403,
      'Request is missing Authentication Token',
    );
  if (problem === 'expired')
    return new SesError(
      v1 ? 'ExpiredToken' : 'ExpiredTokenException',
      403,
      'The security token included in the request is expired',
    );
  return new SesError(
    v1 ? 'InvalidClientTokenId' : 'UnrecognizedClientException',
    403,
    'The security token included in the request is invalid.',
  );
}
