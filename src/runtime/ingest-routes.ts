import { SEGMENT_TYPES } from '../domain/event';
import type { HttpHandler, HttpRoute } from './http-server';

/** The Segment tracking API routes, as template.yaml declares them for API Gateway. */
export function ingestRoutes(handler: HttpHandler): HttpRoute[] {
  return [
    { method: 'POST', path: '/v1/batch', handler },
    { method: 'POST', path: '/v1/import', handler },
    ...SEGMENT_TYPES.map((t) => ({ method: 'POST', path: `/v1/${t}`, handler })),
    { method: 'OPTIONS', path: '/v1/{type}', handler },
  ];
}

/** Provider webhooks and ad-network postbacks, as template.yaml declares them. */
export function webhookRoutes(handler: HttpHandler): HttpRoute[] {
  return [
    { method: 'POST', path: '/webhooks/{provider}', handler },
    { method: ['GET', 'POST'], path: '/postbacks/{network}/{token}', handler },
  ];
}

/** The read APIs: the profile API (GET /v1/profiles/{id}), as template.yaml declares it. */
export function profileRoutes(handler: HttpHandler): HttpRoute[] {
  return [{ method: 'GET', path: '/v1/profiles/{id}', handler }];
}
