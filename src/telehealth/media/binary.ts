import { Readable } from 'node:stream';
import type { Binary } from 'fhir/r4';
import { assertTypeAccess } from '../../fhir/access/enforce';
import { badRequest, FhirError, issue } from '../../fhir/outcome';
import type { AfterWriteHook, FhirContext } from '../../fhir/request';
import { etagOf, httpDate, isValidId, newResourceId } from '../../fhir/repository/ids';
import { readResource } from '../../fhir/repository/read';
import { createResource, type LiveDocument } from '../../fhir/repository/write';
import type { BlobInfo } from '../../storage/port';
import type { TelehealthConfig } from '../config';
import { ByteLimit, tooLarge } from './limit';
import { parseRange } from './range';
import { isFhirMediaType, mediaType, wantsFhirResource, type RawRequest, type RawResponse, type RawRoute } from './routes';

/**
 * Store-and-forward media (hl7.org/fhir/R4/binary.html#rest): raw bytes in, raw bytes out.
 * The bytes live in the store's BlobStore (streamed, never buffered whole); the Binary resource
 * document (contentType, securityContext, no data) is a normal versioned resource, so search,
 * history and access checks are the generic ones.
 */
const BINARY_PATH = /^Binary\/([^/]+)$/;

function versionHeaders(doc: LiveDocument): Record<string, string> {
  return { ETag: etagOf(doc.versionId), 'Last-Modified': httpDate(doc.lastUpdated) };
}

/** X-Security-Context names the resource whose access rules apply to the content (binary.html). */
function securityContext(header: string | undefined): Binary['securityContext'] {
  if (!header) return undefined;
  if (!/^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/.test(header.trim())) {
    throw badRequest('X-Security-Context must be a relative reference such as Patient/123');
  }
  return { reference: header.trim() };
}

/** Stored media with no bytes is a client mistake (a failed capture or a wrong file), never content. */
const emptyContent = () => badRequest('The Binary content is empty: send the bytes of the media in the request body');

async function createRaw(req: RawRequest, ctx: FhirContext, config: TelehealthConfig): Promise<RawResponse> {
  assertTypeAccess(ctx.access, 'create', 'Binary');
  const contentType = req.headers['content-type'] as string;
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > config.binaryMaxBytes) throw tooLarge(config.binaryMaxBytes);
  if (req.headers['content-length'] !== undefined && declared === 0) throw emptyContent();
  const binary: Binary = { resourceType: 'Binary', contentType };
  const context = securityContext(req.headers['x-security-context']);
  if (context) binary.securityContext = context;
  const id = newResourceId();
  let info: BlobInfo;
  const limit = new ByteLimit(config.binaryMaxBytes);
  const source = req.body as Readable;
  source.on('error', (error) => limit.destroy(error));
  // past the limit: stop storing; the HTTP layer discards the rest (bounded) before it answers 413
  limit.on('error', () => source.unpipe(limit));
  source.pipe(limit);
  try {
    info = await ctx.store.blobs.write(id, contentType, limit, config.binaryMaxBytes);
  } catch (error) {
    await ctx.store.blobs.delete(id).catch(() => undefined);
    if (limit.exceeded) throw tooLarge(config.binaryMaxBytes);
    throw error;
  }
  if (info.size === 0) {
    // a chunked upload that ended without a byte
    await ctx.store.blobs.delete(id).catch(() => undefined);
    throw emptyContent();
  }
  let doc: LiveDocument;
  try {
    ({ doc } = await createResource(ctx, 'Binary', binary, { id }));
  } catch (error) {
    await ctx.store.blobs.delete(id).catch(() => undefined);
    throw error;
  }
  const headers: Record<string, string> = {
    ...versionHeaders(doc),
    Location: `${ctx.settings.baseUrl}/Binary/${id}/_history/${doc.versionId}`,
    'X-Content-Size': String(info.size),
  };
  const minimal = /return\s*=\s*minimal/.test(req.headers['prefer'] ?? '');
  return minimal ? { status: 201, headers } : { status: 201, headers, resource: doc.resource };
}

/** The bytes of a Binary: its blob, else its inline base64 `data` (a Binary created as JSON). */
async function content(ctx: FhirContext, doc: LiveDocument): Promise<{ size: number; open: (range?: { start: number; end: number }) => Promise<NodeJS.ReadableStream> }> {
  const id = doc._id;
  const data = (doc.resource as Binary).data;
  // inline data wins: writing JSON data over a raw Binary releases its blob (binaryAfterWrite)
  if (data === undefined) {
    const blob = await ctx.store.blobs.stat(id);
    if (blob) return { size: blob.size, open: (range) => ctx.store.blobs.read(id, range) };
  }
  const bytes = Buffer.from(data ?? '', 'base64');
  return { size: bytes.length, open: async (range) => Readable.from([range ? bytes.subarray(range.start, range.end + 1) : bytes]) };
}

async function readRaw(req: RawRequest, ctx: FhirContext, id: string, config: TelehealthConfig): Promise<RawResponse> {
  if (!isValidId(id)) throw badRequest(`Invalid id '${id}'`);
  const doc = await readResource(ctx, 'Binary', id);
  const binary = doc.resource as Binary;
  const bytes = await content(ctx, doc);
  if (wantsFhirResource(req)) {
    const resource: Binary = { ...binary };
    if (!resource.data && bytes.size <= config.binaryInlineMaxBytes) resource.data = (await readAll(await bytes.open())).toString('base64');
    return { status: 200, headers: { ...versionHeaders(doc), 'X-Content-Size': String(bytes.size) }, resource };
  }
  const headers: Record<string, string> = { ...versionHeaders(doc), 'Content-Type': binary.contentType, 'Accept-Ranges': 'bytes' };
  if (binary.securityContext?.reference) headers['X-Security-Context'] = binary.securityContext.reference;
  const range = parseRange(req.headers['range'], bytes.size);
  if (range.kind === 'unsatisfiable') {
    throw new FhirError(416, [issue('error', 'invalid', `Range not satisfiable: the content has ${bytes.size} bytes`)], { 'Content-Range': `bytes */${bytes.size}` });
  }
  const head = req.method === 'HEAD';
  if (range.kind === 'partial') {
    headers['Content-Range'] = `bytes ${range.start}-${range.end}/${bytes.size}`;
    headers['Content-Length'] = String(range.end - range.start + 1);
    return { status: 206, headers, stream: head ? undefined : await bytes.open({ start: range.start, end: range.end }) };
  }
  headers['Content-Length'] = String(bytes.size);
  return { status: 200, headers, stream: head || bytes.size === 0 ? undefined : await bytes.open() };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer | string>) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

export function binaryRoutes(config: TelehealthConfig): RawRoute[] {
  return [
    {
      // POST [base]/Binary with a non-FHIR Content-Type: the body is the content itself
      accepts: (req) => req.method === 'POST' && req.path === 'Binary' && !!req.headers['content-type'] && !isFhirMediaType(req.headers['content-type']),
      handle: (req, ctx) => createRaw(req, ctx, config),
    },
    {
      // GET [base]/Binary/[id]: raw bytes (Range-aware) unless FHIR JSON is asked for
      accepts: (req) => (req.method === 'GET' || req.method === 'HEAD') && BINARY_PATH.test(req.path),
      handle: (req, ctx) => readRaw(req, ctx, BINARY_PATH.exec(req.path)?.[1] as string, config),
    },
  ];
}

/** A deleted Binary, or one replaced by JSON with inline data, releases its stored bytes. */
export const binaryAfterWrite: AfterWriteHook = async (event, ctx) => {
  if (event.resourceType !== 'Binary' || !event.before) return;
  const replaced = event.interaction === 'delete' || (event.after as Binary | undefined)?.data !== undefined;
  if (!replaced) return;
  try {
    await ctx.store.blobs.delete(event.id);
  } catch {
    // no stored bytes to release (a Binary written as JSON all along)
  }
};

export { mediaType };
