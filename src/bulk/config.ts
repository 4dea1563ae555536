/** Settings of the Bulk Data export (resolved from src/config.ts by the composition root). */
export interface BulkConfig {
  /** Resources per NDJSON file; a type with more is split into several files. */
  fileMaxResources: number;
  /** How long a finished export (manifest and files) stays available, in seconds. */
  expirySeconds: number;
  /** Unfinished exports one client may have at a time (429 beyond). */
  maxJobsPerClient: number;
  /** How long an instance owns a running export without renewing its lease, in seconds. */
  leaseSeconds: number;
  /** Resources read from the store per query (and written per chunk) while exporting. */
  pageSize: number;
  /** How often an idle worker looks for queued (or abandoned) exports and expired ones, in ms. */
  pollMs: number;
  /** Retry-After (seconds) of a status poll while the export runs. */
  retryAfterSeconds: number;
}

export const DEFAULT_BULK_CONFIG: BulkConfig = {
  fileMaxResources: 50_000,
  expirySeconds: 86_400,
  maxJobsPerClient: 2,
  leaseSeconds: 60,
  pageSize: 1000,
  pollMs: 1000,
  retryAfterSeconds: 2,
};

export function resolveBulkConfig(over: Partial<BulkConfig> = {}): BulkConfig {
  return { ...DEFAULT_BULK_CONFIG, ...over };
}
