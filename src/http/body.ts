import type { IncomingMessage } from 'node:http';
import { badRequest, FhirError, issue } from '../fhir/outcome';

/** 413 with the limit in words; the rest of the body is discarded, never buffered. */
export const tooLarge = (limit: number) =>
  new FhirError(413, [issue('error', 'too-costly', `Request body exceeds the limit of ${limit} bytes`)]);

/** True when the request announces a body (a length above 0, or chunked transfer). */
export function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  if (length !== undefined) return length !== '0';
  return req.headers['transfer-encoding'] !== undefined;
}

/**
 * Reads the whole body into one Buffer, refusing more than `limit` bytes: a declared
 * Content-Length above the limit fails at once; a chunked body fails as soon as it passes it.
 * Past the limit the stream keeps flowing into nothing, so the client can still read our 413.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    return Promise.reject(tooLarge(limit));
  }
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      reject(error);
    };
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      size += chunk.length;
      if (size > limit) fail(tooLarge(limit));
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      settled = true;
      resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size));
    });
    req.on('error', () => fail(badRequest('The request body could not be read')));
    req.on('close', () => {
      if (!req.complete) fail(badRequest('The request body was cut short'));
    });
  });
}

/**
 * JSON.parse with a 400 that says where, never what: the V8 message quotes the body, which may
 * hold patient data and would end up in logs or intermediaries.
 */
export function parseJson(buffer: Buffer): unknown {
  let text = buffer.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (error) {
    const position = /position (\d+)/.exec((error as Error).message)?.[1];
    throw badRequest(`The request body is not valid JSON${position ? ` (syntax error at character ${position})` : ''}`);
  }
}
