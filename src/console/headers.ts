import type { NextFunction, Request, Response } from 'express';

/**
 * Security headers of every console response. The CSP allows scripts, styles and fetches from
 * this origin only (no inline script, so an injected string cannot run), images also from blob:
 * (media thumbnails fetched with the access token) and data:; no framing, no sniffing, no
 * referrer (the OAuth callback URL carries a code until the page removes it), and no caching:
 * the pages render patient data fetched by the signed-in administrator.
 */
export const CONSOLE_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function consoleHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Content-Security-Policy', CONSOLE_CSP);
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
  next();
}
