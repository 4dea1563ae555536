import type { IncomingMessage } from 'node:http';
import { badRequest, FhirError, issue } from '../fhir/outcome';

/** 413 with the limit in words; the rest of the body is discarded (`discardBody`), never buffered. */
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
 * On failure the rest of the body is left unread: the caller discards it with `discardBody`
 * before answering, so that the client, still sending, can read the error.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) return Promise.reject(tooLarge(limit));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: Error) => {
      if (settled) return;
      settled = true;
      chunks.length = 0;
      req.off('data', onData);
      reject(error);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) fail(tooLarge(limit));
      else chunks.push(chunk);
    };
    req.on('data', onData);
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
 * Reads and throws away what is left of a request body that will not be used (refused as too
 * large, or the request failed before it was read), at most `budget` more bytes. Answering while
 * the client is still sending and then closing the socket makes many clients (fetch/undici, curl)
 * see EPIPE or ECONNRESET instead of our answer; reading the rest first lets them read it, and the
 * connection stays reusable. Resolves true when the body ended within the budget; false when the
 * client would send more (or the socket went away): then the answer must close the connection.
 */
export function discardBody(req: IncomingMessage, budget: number): Promise<boolean> {
  if (req.complete || req.readableEnded) return Promise.resolve(true);
  if (req.destroyed) return Promise.resolve(false);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > budget) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    let seen = 0;
    const finish = (ended: boolean) => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      req.off('error', onClose);
      resolve(ended);
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > budget) {
        req.pause();
        finish(false);
      }
    };
    const onEnd = () => finish(true);
    const onClose = () => finish(req.complete);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
    req.once('error', onClose);
    req.resume();
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
