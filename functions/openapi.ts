/** GET /openapi.json — the API description (OpenAPI 3.1), public. */
import middy from '@middy/core';
import httpSecurityHeaders from '@middy/http-security-headers';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import document from '../docs/openapi.json' with { type: 'json' };
import { json } from '../src/http/envelope.js';

export const handler = middy<APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2>()
  .use(httpSecurityHeaders())
  .handler(async () => json(200, document, { 'Cache-Control': 'public, max-age=300' }));
