import { randomUUID } from 'node:crypto';

/** Accept a caller's X-Request-Id when it is a short, printable token; otherwise mint one. */
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFrom(header: string | string[] | undefined): string {
  if (typeof header === 'string' && SAFE_ID.test(header)) return header;
  return randomUUID();
}
