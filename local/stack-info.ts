/** Where a running local stack (`npm start`) publishes its endpoints for other commands (npm run keys). */
export const LOCAL_STACK_FILE = '.local-data/local-stack.json';

export interface LocalStackInfo {
  readonly apiUrl: string;
  /** The environment the functions run with: table, queue, AWS_ENDPOINT_URL_* of the stand-ins. */
  readonly env: Record<string, string>;
  readonly pid: number;
}
