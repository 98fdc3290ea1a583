/**
 * ApiFunction: the one place holding the Lambda defaults every Domains API function shares, so the
 * stack does not repeat them per function. Node.js 24 on arm64, an ESM bundle built with the
 * settings in bundling.ts, active X-Ray tracing, a log group with retention, and an execution role
 * that starts with nothing but writing to that log group; the stack adds each function's grants.
 */
import { fileURLToPath } from 'node:url';
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { ESBUILD_OPTIONS } from './bundling.js';

/** Where the handler files live: `functions/<name>.ts`, each exporting `handler`. */
export const FUNCTIONS_DIR = fileURLToPath(new URL('../functions/', import.meta.url));

export const DEFAULT_MEMORY_MB = 256;
export const DEFAULT_TIMEOUT = Duration.seconds(10);

export interface ApiFunctionProps {
  /** Function name as in src/routes.ts; the handler is `functions/<name>.ts`. */
  readonly name: string;
  readonly description?: string;
  /** @default 256 */
  readonly memorySize?: number;
  /** @default 10 seconds */
  readonly timeout?: Duration;
  /** Merged over `NODE_OPTIONS=--enable-source-maps`. */
  readonly environment?: Readonly<Record<string, string>>;
  /** @default one month */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Reserved concurrency: both the most instances the function may run at once and capacity no other
   * function of the account can take. @default none (the account's unreserved pool)
   */
  readonly reservedConcurrency?: number;
  /**
   * A folder copied into the bundle's folder (as its subfolder `into`, beside `index.mjs`), built
   * by `build` (which returns where) only when the stack is bundled. The copy is a command of the
   * local bundling the project uses (esbuild from node_modules); Docker's would not see the folder.
   */
  readonly bundleFolder?: { readonly into: string; readonly build: () => string };
}

export class ApiFunction extends Construct {
  readonly name: string;
  readonly fn: nodejs.NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ApiFunctionProps) {
    super(scope, id);
    this.name = props.name;
    // Lambda accepts 0, and then never runs the function: no reservation is written as none.
    if (
      props.reservedConcurrency !== undefined &&
      !(Number.isInteger(props.reservedConcurrency) && props.reservedConcurrency > 0)
    ) {
      throw new Error(
        `${props.name}: reserved concurrency must be a whole number above 0, or none; got ${props.reservedConcurrency}`,
      );
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });

    // An explicit role instead of AWSLambdaBasicExecutionRole: that managed policy lets a function
    // create and write any log group in the account, this one only its own.
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of the ${props.name} function`,
    });
    this.logGroup.grantWrite(this.role);

    this.fn = new nodejs.NodejsFunction(this, 'Function', {
      entry: `${FUNCTIONS_DIR}${props.name}.ts`,
      handler: 'handler',
      description: props.description,
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? DEFAULT_MEMORY_MB,
      timeout: props.timeout ?? DEFAULT_TIMEOUT,
      reservedConcurrentExecutions: props.reservedConcurrency,
      role: this.role,
      logGroup: this.logGroup,
      tracing: lambda.Tracing.ACTIVE,
      environment: {
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: ESBUILD_OPTIONS.target,
        minify: ESBUILD_OPTIONS.minify,
        sourceMap: ESBUILD_OPTIONS.sourcemap,
        sourcesContent: ESBUILD_OPTIONS.sourcesContent,
        mainFields: [...ESBUILD_OPTIONS.mainFields],
        externalModules: [...ESBUILD_OPTIONS.external],
        banner: ESBUILD_OPTIONS.banner.js,
        commandHooks: props.bundleFolder && copyIntoBundle(this, props.bundleFolder),
      },
    });

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords, which X-Ray does not ' +
        "scope to resources; they only upload this function's own trace data.",
    });
  }
}

/**
 * NodejsFunction asks its hooks for their commands while it is constructed, for Docker's command as
 * well as the local one and even when the stack is not bundled (synth with bundling skipped, the
 * infrastructure tests): the folder is built once, and only when it will be copied.
 */
function copyIntoBundle(scope: Construct, folder: NonNullable<ApiFunctionProps['bundleFolder']>): nodejs.ICommandHooks {
  let built: string | undefined;
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (_inputDir, outputDir) => {
      if (!Stack.of(scope).bundlingRequired) return [];
      built ??= folder.build();
      const target = `${outputDir}/${folder.into}`;
      return [`mkdir -p "${target}"`, `cp -R "${built}/." "${target}"`];
    },
  };
}
