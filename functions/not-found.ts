/** Catch-all route: unknown paths and methods answer 404 in the API's error envelope. */
import middy from '@middy/core';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { RouteNotFoundError } from '../src/errors.js';
import { errorResponse } from '../src/http/envelope.js';

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(httpSecurityHeaders())
  .handler(async () => errorResponse(new RouteNotFoundError()));
