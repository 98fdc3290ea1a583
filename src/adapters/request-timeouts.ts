/**
 * Time limits for AWS calls: a call that hangs must fail (and be retried by the SDK, then by the
 * client or the queue), not hold the function until its Lambda timeout. For SES it also bounds a
 * create's undo within the create's provisioning lease (domains-table/provisioning.ts, 30 s): with the SDK's
 * three attempts each call ends within about 3 × 5 s.
 */
export const REQUEST_HANDLER = {
  connectionTimeout: 2_000,
  requestTimeout: 5_000,
  throwOnRequestTimeout: true,
} as const;
