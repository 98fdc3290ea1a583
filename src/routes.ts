/**
 * The one route table. The CDK stack creates one Lambda and one HTTP API route per entry, the local
 * server dispatches by it, and each function's IAM policy is derived from its `grants`, so the three
 * cannot drift apart. The entries are written by resource (src/routes/) and combined here: the API's
 * routes below API_BASE_PATH, and the pages (the console) outside it.
 */

import type { Grants } from './grants.js';
import { backgroundFunctions } from './routes/background.js';
import { noSecrets, noSes, type Route } from './routes/common.js';
import { deliveryRoutes } from './routes/deliveries.js';
import { domainRoutes } from './routes/domains.js';
import { pages } from './routes/pages.js';
import { webhookRoutes } from './routes/webhooks.js';

export { type BackgroundFunction, backgroundFunctions } from './routes/background.js';
export {
  API_BASE_PATH,
  type HttpMethod,
  type Page,
  type Route,
  SCOPE_DOMAINS_MANAGE,
  SCOPE_WEBHOOKS_MANAGE,
} from './routes/common.js';

export const routes = [
  ...domainRoutes,
  ...webhookRoutes,
  ...deliveryRoutes,
  {
    method: 'GET',
    path: '/openapi.json',
    name: 'openapi',
    // The API description is public: clients fetch it to generate code before they hold a key.
    scope: null,
    idempotent: false,
    grants: { table: [], queryIndexes: false, ses: noSes, sendToVerifyQueue: false, secrets: noSecrets },
  },
] as const satisfies readonly Route[];

/** The name of every API route's function: adding a route adds its name here, and the compiler asks for the rest. */
export type RouteName = (typeof routes)[number]['name'];

export type BackgroundFunctionName = (typeof backgroundFunctions)[number]['name'];

export { CONSOLE_FUNCTION, CONSOLE_PATH, pages } from './routes/pages.js';

/** The functions behind the pages; public, and touching no data. */
export type PageFunctionName = (typeof pages)[number]['name'];

/** Name of the catch-all function that answers unknown paths in the API's error format. */
export const NOT_FOUND_FUNCTION = 'not-found' as const;

/** Every Lambda function of the stack: the routes', the background ones and the catch-all. */
export type FunctionName = RouteName | PageFunctionName | BackgroundFunctionName | typeof NOT_FOUND_FUNCTION;

type ByName<T extends { readonly name: string }> = { readonly [K in T['name']]: Extract<T, { readonly name: K }> };

/** A catalogue by name: total by construction, since every key comes from the list itself. */
function byName<const T extends { readonly name: string }>(items: readonly T[]): ByName<T> {
  return Object.fromEntries(items.map((item) => [item.name, item])) as ByName<T>;
}

/** Each route by its function's name, with its literal types (scope, idempotent). */
export const ROUTES = byName(routes);
export const BACKGROUND_FUNCTIONS = byName(backgroundFunctions);

/** The routes that need an API key, and so go through api-handler.ts. */
export type AuthenticatedRouteName = Extract<(typeof routes)[number], { readonly scope: string }>['name'];

/** What each function may touch; the catch-all and the pages touch no data. */
export const FUNCTION_GRANTS: Readonly<Record<FunctionName, Grants | null>> = {
  [NOT_FOUND_FUNCTION]: null,
  ...mapByName(ROUTES, (route) => route.grants),
  ...mapByName(byName(pages), () => null),
  ...mapByName(BACKGROUND_FUNCTIONS, (fn) => fn.grants),
};

/** Every function name, the catch-all first, then the routes', the pages' and the background functions'. */
export const FUNCTION_NAMES = Object.keys(FUNCTION_GRANTS) as readonly FunctionName[];

/** A value for every function, e.g. a construct per function; the compiler knows no name is missing. */
export function mapFunctions<T>(f: (name: FunctionName) => T): Readonly<Record<FunctionName, T>> {
  return mapByName(FUNCTION_GRANTS, (_grants, name) => f(name));
}

function mapByName<K extends string, V, T>(record: Readonly<Record<K, V>>, f: (value: V, name: K) => T): Record<K, T> {
  const entries = Object.entries<V>(record).map(([name, value]) => [name, f(value, name as K)]);
  return Object.fromEntries(entries) as Record<K, T>;
}
