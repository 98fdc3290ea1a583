/**
 * The HTTP API: one route per entry of src/routes.ts (the API's below its base path, the console's
 * pages outside it), unknown paths to the catch-all function, a
 * default stage with JSON access logs and stage throttling, and a lower limit on the routes whose
 * function spends SES identity calls.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { FunctionName, Route } from '../src/routes.js';
import { API_BASE_PATH, NOT_FOUND_FUNCTION, pages, routes } from '../src/routes.js';
import type { ApiFunction } from './api-function.js';
import { spendsSes } from './grants.js';
import { DEFAULT_SES_ROUTE_THROTTLE, DEFAULT_THROTTLE, type DomainsStackConfig } from './stack-config.js';

/** `create-domain` → `CreateDomain`: construct ids. */
export function pascalCase(name: string): string {
  return name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
    .join('');
}

/** The route's key as API Gateway writes it: `POST /api/v1/domains`. */
export function routeKey(route: Pick<Route, 'method' | 'path'>): string {
  return `${route.method} ${API_BASE_PATH}${route.path}`;
}

export function createHttpApi(
  scope: Construct,
  config: DomainsStackConfig,
  functions: Readonly<Record<FunctionName, ApiFunction>>,
): { api: apigwv2.HttpApi; stage: apigwv2.HttpStage } {
  const corsOrigins = config.corsOrigins ?? [];
  const api = new apigwv2.HttpApi(scope, 'HttpApi', {
    apiName: `krafter-domains-${config.stage}`,
    description: `Krafter Domains API (${config.stage})`,
    // The default stage is created below, because only a stage created on its own takes access log settings.
    createDefaultStage: false,
    // Unknown paths reach this function, so they too are answered in the API's error envelope.
    defaultIntegration: new HttpLambdaIntegration('NotFoundIntegration', functions[NOT_FOUND_FUNCTION].fn),
    corsPreflight:
      corsOrigins.length > 0
        ? {
            allowOrigins: [...corsOrigins],
            allowMethods: [...new Set(routes.map((r) => r.method))].map((m) => apigwv2.CorsHttpMethod[m]),
            allowHeaders: ['authorization', 'content-type'],
            exposeHeaders: ['retry-after'],
            maxAge: Duration.hours(1),
          }
        : undefined,
  });

  const httpRoutes: apigwv2.HttpRoute[] = [];
  for (const route of routes) {
    httpRoutes.push(
      ...api.addRoutes({
        path: `${API_BASE_PATH}${route.path}`,
        methods: [apigwv2.HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${pascalCase(route.name)}Integration`, functions[route.name].fn),
      }),
    );
  }

  // The pages are public static files; their function reads no key and touches no data. One
  // integration per function, shared by its paths and methods.
  const pageIntegrations = new Map<string, HttpLambdaIntegration>();
  for (const page of pages) {
    let integration = pageIntegrations.get(page.name);
    if (!integration) {
      integration = new HttpLambdaIntegration(`${pascalCase(page.name)}Integration`, functions[page.name].fn);
      pageIntegrations.set(page.name, integration);
    }
    httpRoutes.push(
      ...api.addRoutes({ path: page.path, methods: page.methods.map((m) => apigwv2.HttpMethod[m]), integration }),
    );
  }

  const accessLogs = new logs.LogGroup(scope, 'ApiAccessLogs', { retention: logs.RetentionDays.THREE_MONTHS });
  const throttle = config.throttle ?? DEFAULT_THROTTLE;
  const stage = new apigwv2.HttpStage(scope, 'ApiStage', {
    httpApi: api,
    stageName: '$default',
    autoDeploy: true,
    // Every route, $default included: what reaches the functions (and so what a flood costs) is bounded.
    throttle: { rateLimit: throttle.rate, burstLimit: throttle.burst },
    accessLogSettings: {
      destination: new apigwv2.LogGroupLogDestination(accessLogs),
      // One JSON object per request, queryable with Logs Insights. No headers: they carry API keys.
      format: apigw.AccessLogFormat.custom(
        JSON.stringify({
          requestId: '$context.requestId',
          requestTime: '$context.requestTime',
          sourceIp: '$context.identity.sourceIp',
          userAgent: '$context.identity.userAgent',
          method: '$context.httpMethod',
          path: '$context.path',
          routeKey: '$context.routeKey',
          status: '$context.status',
          responseLength: '$context.responseLength',
          responseLatency: '$context.responseLatency',
          integrationLatency: '$context.integrationLatency',
          integrationError: '$context.integrationErrorMessage',
        }),
      ),
    },
  });

  // Routes whose function calls SES to create, change or delete identities get their own, lower
  // limit: SES allows about one identity call per second per account and region, whoever calls.
  const sesRoute = config.sesRouteThrottle ?? DEFAULT_SES_ROUTE_THROTTLE;
  const cfnStage = stage.node.defaultChild as apigwv2.CfnStage;
  cfnStage.routeSettings = Object.fromEntries(
    routes
      .filter((route) => spendsSes(route.grants))
      .map((route) => [routeKey(route), { ThrottlingRateLimit: sesRoute.rate, ThrottlingBurstLimit: sesRoute.burst }]),
  );
  // API Gateway refuses settings for a route key that does not exist yet.
  for (const httpRoute of httpRoutes) stage.node.addDependency(httpRoute);

  Validations.of(api).acknowledge({
    id: 'AwsSolutions-APIG4',
    reason:
      'Authorization happens in every route function: the bearer API key is hashed and looked up in the ' +
      'table, and its scope checked, answering 401/403 in the API error envelope. API Gateway has no ' +
      'built-in authorizer for such keys, and a Lambda authorizer would duplicate the lookup. The ' +
      '$default route only answers 404, and the console routes serve public static files (the page asks ' +
      'for the key and sends it with each API call).',
  });

  return { api, stage };
}
