import type { NextFunction, Request, Response } from 'express';
import { performance } from 'node:perf_hooks';
import { logRequest, type Logger } from '../log';
import { corsHeaders, preflightHeaders } from './cors';
import { logRoute, type OwnRoute } from './log-route';
import { requestIdFrom } from './request-id';

/**
 * Request id, CORS and access logs for the endpoints outside the FHIR handler (auth, health,
 * 404s). The FHIR handler does the same inline, without a middleware chain.
 */
export function commonMiddleware(logger: Logger, ownRoute?: OwnRoute) {
  const logInfo = logger.isLevelEnabled('info');
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', requestId);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, preflightHeaders(req.headers));
      res.end();
      return;
    }
    for (const [name, value] of Object.entries(corsHeaders(req.headers.origin, {} as Record<string, string>))) res.setHeader(name, value);
    res.on('finish', () => {
      if (!logInfo && res.statusCode < 500) return;
      // the route only: query strings and path segments may carry identifiers, codes or tokens
      const route = logRoute(req.originalUrl.split('?')[0] ?? '', ownRoute);
      logRequest(logger, { reqId: requestId, method: req.method, route, status: res.statusCode, ms: Math.round((performance.now() - started) * 100) / 100 });
    });
    next();
  };
}
