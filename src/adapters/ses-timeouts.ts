/**
 * Time limits for SES calls. A call that hangs must fail, not stall its caller: a create's undo
 * has to finish within the create's provisioning lease (domains-table.ts, 30 s), and with the
 * SDK's three attempts each call ends within about 3 × 5 s.
 */
export const SES_REQUEST_HANDLER = { connectionTimeout: 2_000, requestTimeout: 5_000, throwOnRequestTimeout: true } as const;
