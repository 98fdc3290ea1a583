/** The pages of the route table (src/routes.ts): the console's files, served outside the API's base path. */
import type { Page } from './common.js';

export const CONSOLE_PATH = '/console';
export const CONSOLE_FUNCTION = 'console';

export const pages = [
  // index.html, which loads the hashed assets below.
  { methods: ['GET', 'HEAD'], path: CONSOLE_PATH, name: CONSOLE_FUNCTION },
  // One asset by name; only names the build produced are answered, anything else is a 404.
  { methods: ['GET', 'HEAD'], path: `${CONSOLE_PATH}/{file}`, name: CONSOLE_FUNCTION },
] as const satisfies readonly Page[];
