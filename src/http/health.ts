import type { Request, Response } from 'express';
import type { DocumentStore } from '../storage/port';

/**
 * Liveness (/healthz: the process answers) and readiness (/readyz: the store answers a ping).
 * Plain JSON, outside the FHIR base, never authorized: orchestrators call them.
 */
const JSON_TYPE = 'application/json; charset=utf-8';
const LIVE = Buffer.from('{"status":"ok"}');

export function healthz(_req: Request, res: Response): void {
  res.writeHead(200, { 'Content-Type': JSON_TYPE, 'Content-Length': LIVE.length, 'Cache-Control': 'no-store' });
  res.end(LIVE);
}

export function readyz(store: DocumentStore, timeoutMs = 2000) {
  return async (_req: Request, res: Response): Promise<void> => {
    let ready = true;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        store.ping(),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error('ping timed out')), timeoutMs);
        }),
      ]);
    } catch {
      ready = false;
    } finally {
      clearTimeout(timer);
    }
    const body = Buffer.from(JSON.stringify({ status: ready ? 'ready' : 'unavailable', store: store.kind }));
    res.writeHead(ready ? 200 : 503, { 'Content-Type': JSON_TYPE, 'Content-Length': body.length, 'Cache-Control': 'no-store' });
    res.end(body);
  };
}
