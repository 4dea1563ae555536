import type { FhirContext, FhirSettings } from '../fhir/request';
import { outcome } from '../fhir/outcome';
import type { DocumentStore } from '../storage/port';
import { restoreAccess } from './access';
import type { BulkConfig } from './config';
import { blobId, jobsCollection, type ExportJob } from './job';
import { ndjsonFile, NDJSON, outcomeLines, type FileCursor } from './ndjson';
import { exportFilter } from './population';
import { TypeReader } from './reader';

/** Thrown when the job was cancelled, expired or claimed by another instance: stop quietly. */
export class JobLostError extends Error {
  constructor(id: string) {
    super(`export ${id} is no longer owned by this instance`);
    this.name = 'JobLostError';
  }
}

const NO_LIMIT = Number.MAX_SAFE_INTEGER;

export interface RunnerDeps {
  store: DocumentStore;
  settings: FhirSettings;
  config: BulkConfig;
  /** This instance's lease owner id. */
  owner: string;
  now: () => number;
}

/**
 * Writes `job` back if nobody else did since it was read (its `rev`): the lease, progress and
 * outcome of a job change only through here, so two instances never both run it.
 */
export async function saveJob(store: DocumentStore, job: ExportJob): Promise<ExportJob | null> {
  const next: ExportJob = { ...job, rev: job.rev + 1 };
  const { matchedCount } = await jobsCollection(store).replaceOne({ _id: job._id, rev: job.rev }, next);
  return matchedCount === 1 ? next : null;
}

/**
 * Runs a claimed job to the end: one type after another, each split into files of at most
 * `fileMaxResources`. Progress is committed after every file (the file is durable first), so a
 * restart resumes after the last committed file; the lease is renewed as the job goes.
 */
export async function runJob(claimed: ExportJob, deps: RunnerDeps): Promise<void> {
  const { store, config } = deps;
  let job = claimed;
  const ctx: FhirContext = {
    store,
    settings: deps.settings,
    operations: [],
    beforeWrite: [],
    afterWrite: [],
    access: restoreAccess(job.access),
    requestId: `bulk-${job._id}`,
  };
  const commit = async (changes: Partial<ExportJob>) => {
    const saved = await saveJob(store, { ...job, ...changes, leaseUntil: deps.now() + config.leaseSeconds * 1000 });
    if (!saved) throw new JobLostError(job._id);
    job = saved;
  };
  const renewIfDue = async () => {
    if (job.leaseUntil - deps.now() < (config.leaseSeconds * 1000) / 2) await commit({});
  };

  /** Writes the next file of `type` (durable), then commits it to the job with the new position. */
  const writeFile = async (type: string, typeReader: TypeReader) => {
    const seq = job.progress.nextSeq;
    const cursor: FileCursor = { count: 0, typeDone: false };
    const source = { reader: typeReader, max: config.fileMaxResources, chunk: config.pageSize, between: renewIfDue, ...(job.elements ? { elements: job.elements } : {}) };
    try {
      await store.blobs.write(blobId(job._id, seq), NDJSON, ndjsonFile(source, cursor), NO_LIMIT);
    } catch (error) {
      await store.blobs.delete(blobId(job._id, seq)).catch(() => undefined);
      throw error;
    }
    const written = cursor.count > 0;
    if (!written) await store.blobs.delete(blobId(job._id, seq));
    try {
      await commit({
        output: written ? [...job.output, { type, seq, count: cursor.count }] : job.output,
        progress: {
          typeIndex: cursor.typeDone ? job.progress.typeIndex + 1 : job.progress.typeIndex,
          ...(cursor.typeDone || !cursor.lastId ? {} : { afterId: cursor.lastId }),
          nextSeq: written ? seq + 1 : seq,
          exported: job.progress.exported + cursor.count,
        },
      });
    } catch (error) {
      // cancelled meanwhile: this file is in no manifest, nobody else will remove it
      if (written) await store.blobs.delete(blobId(job._id, seq)).catch(() => undefined);
      throw error;
    }
  };

  let reader: { typeIndex: number; reader: TypeReader } | undefined;
  try {
    while (job.progress.typeIndex < job.types.length) {
      const type = job.types[job.progress.typeIndex] as string;
      if (reader?.typeIndex !== job.progress.typeIndex) {
        await reader?.reader.close();
        reader = { typeIndex: job.progress.typeIndex, reader: new TypeReader(store, type, await exportFilter(job, type, ctx), job.progress.afterId, config.pageSize) };
      }
      await writeFile(type, reader.reader);
    }
  } finally {
    await reader?.reader.close().catch(() => undefined);
  }
  await finish(job, deps, commit);
}

async function finish(job: ExportJob, deps: RunnerDeps, commit: (changes: Partial<ExportJob>) => Promise<void>): Promise<void> {
  const error = await writeIssues(job, deps.store);
  const now = deps.now();
  try {
    await commit({ status: 'completed', error, finishedAtMs: now, expiresAt: now + deps.config.expirySeconds * 1000 });
  } catch (lost) {
    // cancelled while finishing: the error file is in no manifest
    for (const file of error) await deps.store.blobs.delete(blobId(job._id, file.seq)).catch(() => undefined);
    throw lost;
  }
}

/** The job's issues as one error file of OperationOutcomes (none when there is nothing to say). */
export async function writeIssues(job: ExportJob, store: DocumentStore): Promise<ExportJob['error']> {
  if (job.issues.length === 0) return [];
  const seq = job.progress.nextSeq;
  const outcomes = job.issues.map((i) => outcome([{ severity: i.severity, code: i.code as 'processing', diagnostics: i.diagnostics }]));
  await store.blobs.write(blobId(job._id, seq), NDJSON, outcomeLines(outcomes), NO_LIMIT);
  return [{ type: 'OperationOutcome', seq, count: outcomes.length }];
}
