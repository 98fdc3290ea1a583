/** Request limits, in a module without configuration so the OpenAPI generator can read them too. */
export const MAX_BODY_BYTES = 16 * 1024;
