import { Readable } from 'node:stream';
import { FhirError, issue, notFound, outcome } from '../fhir/outcome';
import type { FhirContext } from '../fhir/request';
import type { RawRequest, RawResponse, RawRoute } from '../fhir/raw-route';
import { mayUseJob } from './access';
import type { BulkConfig } from './config';
import { blobId, jobsCollection, type ExportJob, type OutputFile } from './job';
import { NDJSON } from './ndjson';
import { removeJob } from './worker';

const STATUS_PATH = /^\$export-poll-status\/([a-f0-9]{24})$/;
const FILE_PATH = /^\$export-file\/([a-f0-9]{24})\/(\d{1,9})$/;

export const fileUrl = (ctx: FhirContext, jobId: string, seq: number) => `${ctx.settings.baseUrl}/$export-file/${jobId}/${seq}`;

/** The job, when it exists, has not expired and belongs to the caller; else 404 (existence is not disclosed). */
async function visibleJob(ctx: FhirContext, id: string): Promise<ExportJob> {
  const job = await jobsCollection(ctx.store).findOne({ _id: id });
  if (!job || (job.expiresAt !== undefined && job.expiresAt <= Date.now()) || !mayUseJob(ctx.access, job)) {
    throw notFound('No such export: unknown, cancelled or expired');
  }
  return job;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): RawResponse => {
  const bytes = Buffer.from(JSON.stringify(body), 'utf8');
  return { status, headers: { 'Content-Type': 'application/json', 'Content-Length': String(bytes.length), ...headers }, stream: Readable.from([bytes]) };
};

/** The completion manifest (export.html#response---complete-status). */
function manifest(ctx: FhirContext, job: ExportJob) {
  const entry = (file: OutputFile) => ({ type: file.type, url: fileUrl(ctx, job._id, file.seq), count: file.count });
  return {
    transactionTime: new Date(job.transactionTimeMs).toISOString(),
    request: job.request,
    requiresAccessToken: job.requiresAccessToken,
    output: job.output.map(entry),
    error: job.error.map(entry),
  };
}

/** GET: 202 + X-Progress while running, 200 + manifest when done; DELETE: cancel (export.html#bulk-data-delete-request). */
async function status(req: RawRequest, ctx: FhirContext, id: string, config: BulkConfig): Promise<RawResponse> {
  const job = await visibleJob(ctx, id);
  if (req.method === 'DELETE') {
    await removeJob(ctx.store, job);
    return { status: 202, headers: {}, resource: outcome([issue('information', 'informational', 'The export was cancelled and its files deleted')]) };
  }
  if (job.status === 'queued' || job.status === 'running') {
    const type = job.types[job.progress.typeIndex];
    const progress = job.status === 'queued' ? 'queued' : `${job.progress.exported} resources exported${type ? ` (now ${type})` : ''}`;
    return { status: 202, headers: { 'X-Progress': progress, 'Retry-After': String(config.retryAfterSeconds) } };
  }
  if (job.status === 'failed' && job.error.length === 0) {
    throw new FhirError(500, [issue('error', 'exception', 'The export failed and its error report could not be written')]);
  }
  return json(200, manifest(ctx, job), { Expires: new Date(job.expiresAt ?? Date.now()).toUTCString(), 'Cache-Control': 'no-store' });
}

/** An output or error file, streamed from the file store (export.html#file-request). */
async function download(req: RawRequest, ctx: FhirContext, id: string, seq: number): Promise<RawResponse> {
  const accept = req.headers['accept'];
  if (accept && !/(^|,)\s*(application\/(fhir\+)?ndjson|application\/\*|\*\/\*)\s*(;|,|$)/i.test(accept)) {
    throw new FhirError(406, [issue('error', 'not-supported', 'Export files are application/fhir+ndjson')]);
  }
  const job = await visibleJob(ctx, id);
  if (![...job.output, ...job.error].some((f) => f.seq === seq)) throw notFound('No such file in this export');
  const info = await ctx.store.blobs.stat(blobId(id, seq));
  if (!info) throw notFound('No such file in this export');
  const headers = { 'Content-Type': NDJSON, 'Content-Length': String(info.size), 'Cache-Control': 'no-store' };
  return { status: 200, headers, stream: req.method === 'HEAD' ? undefined : await ctx.store.blobs.read(blobId(id, seq)) };
}

export function bulkRoutes(config: BulkConfig, seen: (ctx: FhirContext) => void): RawRoute[] {
  return [
    {
      accepts: (req) => STATUS_PATH.test(req.path),
      handle: async (req, ctx) => {
        seen(ctx);
        if (req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'DELETE') {
          throw new FhirError(405, [issue('error', 'not-supported', 'Poll the export status with GET, cancel it with DELETE')], { Allow: 'GET, DELETE' });
        }
        return status(req, ctx, (STATUS_PATH.exec(req.path) as RegExpExecArray)[1] as string, config);
      },
    },
    {
      accepts: (req) => FILE_PATH.test(req.path),
      handle: async (req, ctx) => {
        if (req.method !== 'GET' && req.method !== 'HEAD') throw new FhirError(405, [issue('error', 'not-supported', 'Export files are read with GET')], { Allow: 'GET' });
        const match = FILE_PATH.exec(req.path) as RegExpExecArray;
        return download(req, ctx, match[1] as string, Number(match[2]));
      },
    },
  ];
}
