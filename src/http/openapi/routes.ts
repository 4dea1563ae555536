import path from 'node:path';
import express, { type Request, type Response, type Router } from 'express';
import type { CapabilityStatement } from 'fhir/r4';
import { UNRESTRICTED } from '../../fhir/access/context';
import { dispatch } from '../../fhir/dispatch';
import type { FhirServices } from '../../fhir/request';
import { openApiFromCapabilityStatement } from './document';
import { subsetByTypes } from './subset';
import type { OpenApiDocument } from './types';
import { viewerPage, VIEWER_INIT_SCRIPT } from './viewer';

/** The swagger-ui-dist files the viewer page loads (nothing else of the package is served). */
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'swagger-ui-standalone-preset.js': 'text/javascript; charset=utf-8',
  'oauth2-redirect.html': 'text/html; charset=utf-8',
  'oauth2-redirect.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};

const PAGE_CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * Public, like /metadata: `GET /fhir/openapi.json` (OpenAPI 3.1 generated from the
 * CapabilityStatement; `?_type=A,B` keeps those types only) and `GET /fhir/openapi` (Swagger UI
 * on it, from swagger-ui-dist).
 */
export function openApiRouter(services: FhirServices): Router {
  const router = express.Router();
  const assetsDir = path.dirname(require.resolve('swagger-ui-dist/package.json'));
  let full: { doc: OpenApiDocument; text: string } | undefined;
  const fullDocument = async () => {
    if (full) return full;
    const answer = await dispatch(
      { method: 'GET', path: 'metadata', query: [], headers: {} },
      { ...services, access: UNRESTRICTED, requestId: 'openapi' },
    );
    const doc = openApiFromCapabilityStatement(answer.body as CapabilityStatement, services.operations);
    full = { doc, text: JSON.stringify(doc) };
    return full;
  };

  router.get('/fhir/openapi.json', async (req: Request, res: Response) => {
    const { doc, text: fullText } = await fullDocument();
    const wanted =
      typeof req.query._type === 'string'
        ? req.query._type.split(',').filter((t) => /^[A-Z][A-Za-z]{1,63}$/.test(t))
        : [];
    const text = wanted.length > 0 ? JSON.stringify(subsetByTypes(doc, new Set(wanted))) : fullText;
    res
      .status(200)
      .set({
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
      })
      .send(text);
  });
  router.get('/fhir/openapi', (_req: Request, res: Response) => {
    res
      .status(200)
      .set({
        'Content-Type': 'text/html; charset=utf-8',
        'Content-Security-Policy': PAGE_CSP,
        'X-Content-Type-Options': 'nosniff',
        'Referrer-Policy': 'no-referrer',
      })
      .send(viewerPage());
  });
  router.get('/fhir/openapi/assets/init.js', (_req: Request, res: Response) => {
    res
      .status(200)
      .set({ 'Content-Type': 'text/javascript; charset=utf-8', 'X-Content-Type-Options': 'nosniff' })
      .send(VIEWER_INIT_SCRIPT);
  });
  router.get('/fhir/openapi/assets/:file', (req: Request, res: Response, next) => {
    const file = String(req.params.file);
    const type = ASSETS[file];
    if (!type) return next();
    res.set({
      'Content-Type': type,
      'Cache-Control': 'public, max-age=86400',
      'X-Content-Type-Options': 'nosniff',
    });
    res.sendFile(path.join(assetsDir, file), (error) => error && next(error));
  });
  return router;
}
