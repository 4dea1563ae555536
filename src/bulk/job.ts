import type { DocumentCollection, DocumentStore, IndexSpec, StoredDocument } from '../storage/port';
import type { StoredAccess } from './access';

/** Which population an export covers (export.html: system, Patient and Group level). */
export type ExportLevel = 'system' | 'patient' | 'group';

export type JobStatus = 'queued' | 'running' | 'completed' | 'failed';

/** One output (or error) file of the manifest. */
export interface OutputFile {
  type: string;
  /** Sequence number of the file in the job: its blob id and download URL derive from it. */
  seq: number;
  count: number;
}

/** Where a running export stands; committed at every file boundary, so a restart resumes there. */
export interface JobProgress {
  /** Index into `types` of the type being exported. */
  typeIndex: number;
  /** The last `_id` written to a committed file of that type (keyset paging resumes after it). */
  afterId?: string;
  /** The next file sequence number. */
  nextSeq: number;
  /** Resources written to committed files. */
  exported: number;
}

/**
 * A durable export job (collection `bulk_jobs`, a server-internal collection never exported).
 * `rev` is bumped by every write, which is conditioned on the `rev` read (optimistic concurrency):
 * a lease is claimed or renewed only by the instance that read the latest revision.
 */
export interface ExportJob extends StoredDocument {
  rev: number;
  status: JobStatus;
  level: ExportLevel;
  /** The kick-off request URL, as the manifest repeats it. */
  request: string;
  /** Resource types to export, in order (resolved and access-checked at kick-off). */
  types: string[];
  /** Per type, the `_typeFilter` queries (query strings) of which a resource must match one. */
  typeFilters: Record<string, string[]>;
  /** Group export: the member Patient ids (resolved at kick-off). */
  patients?: string[];
  /** `_since` in epoch ms. */
  sinceMs?: number;
  elements?: string[];
  /** Epoch ms of the kick-off: resources changed later are not exported. */
  transactionTimeMs: number;
  /** The client that asked (or `anonymous` with authorization off): the limit and download checks use it. */
  clientKey: string;
  access: StoredAccess;
  requiresAccessToken: boolean;
  createdAtMs: number;
  /** Epoch ms until which `leaseOwner` owns the running job (0 while queued). */
  leaseUntil: number;
  leaseOwner?: string;
  /** Times the job was claimed; a job that keeps failing is given up. */
  attempts: number;
  progress: JobProgress;
  output: OutputFile[];
  error: OutputFile[];
  /** Warnings and errors to report in the error file (no patient data). */
  issues: Array<{ severity: 'error' | 'warning' | 'information'; code: string; diagnostics: string }>;
  /** Set when the job finishes: manifest and files are removed after this instant (epoch ms). */
  expiresAt?: number;
  finishedAtMs?: number;
}

export const JOBS_COLLECTION = 'bulk_jobs';

/**
 * Every query on `bulk_jobs` (test/storage/mongo-index-plan.test.ts checks them):
 * - the worker's claim: unfinished jobs whose lease ran out (`status` $in, `leaseUntil` range);
 * - the per-client limit: unfinished jobs of one client (`clientKey`, `status` $in);
 * - the expiry sweep: finished jobs past `expiresAt`.
 */
export const JOB_INDEXES: readonly IndexSpec[] = [
  { name: 'status_lease', keys: { status: 1, leaseUntil: 1 } },
  { name: 'client_status', keys: { clientKey: 1, status: 1 } },
  { name: 'expires', keys: { expiresAt: 1 } },
];

export const UNFINISHED: JobStatus[] = ['queued', 'running'];

const ensured = new WeakMap<DocumentStore, Promise<void>>();

export function jobsCollection(store: DocumentStore): DocumentCollection<ExportJob> {
  return store.collection<ExportJob>(JOBS_COLLECTION);
}

/** Creates the collection and its indexes once per store (outside any transaction). */
export function ensureJobIndexes(store: DocumentStore): Promise<void> {
  let pending = ensured.get(store);
  if (!pending) {
    pending = (async () => {
      await store.ensureCollections([JOBS_COLLECTION]);
      for (const spec of JOB_INDEXES) await jobsCollection(store).createIndex(spec);
    })();
    pending.catch(() => ensured.delete(store));
    ensured.set(store, pending);
  }
  return pending;
}

/** Blob id of a job's file: ids of the blob store are file names (letters, digits, `-`). */
export const blobId = (jobId: string, seq: number) => `bulk-${jobId}-${seq}`;
