import type { ServerResponse } from 'node:http';
import { corsHeaders } from './cors';
import type { RawResponse } from './raw-routes';
import { writeFhir, type ReplyMeta } from './render';

/** Writes a raw route's answer: a FHIR resource as JSON, raw bytes as a stream, or headers only. */
export function writeRaw(res: ServerResponse, meta: ReplyMeta, answer: RawResponse, head: boolean): void {
  if (answer.resource) {
    writeFhir(res, meta, answer.status, answer.resource, answer.headers);
    return;
  }
  const headers: Record<string, string | number> = { 'X-Request-Id': meta.requestId };
  corsHeaders(meta.origin, headers);
  Object.assign(headers, answer.headers);
  res.writeHead(answer.status, headers);
  const stream = answer.stream;
  if (!stream || head) {
    // a HEAD answer (or an unread stream) must not leave a file handle open
    (stream as { destroy?: () => void } | undefined)?.destroy?.();
    res.end();
    return;
  }
  stream.on('error', () => res.destroy());
  res.on('close', () => (stream as { destroy?: () => void }).destroy?.());
  stream.pipe(res);
}
