import type { FhirContext, FhirSettings, OperationDefinitionRef } from '../fhir/request';
import type { RawRoute } from '../fhir/raw-route';
import type { DocumentStore, StoreLogger } from '../storage/port';
import { resolveBulkConfig, type BulkConfig } from './config';
import { exportOperations } from './kickoff';
import { bulkRoutes } from './routes';
import { ExportWorker } from './worker';

export type { BulkConfig } from './config';
export { JOB_INDEXES, JOBS_COLLECTION } from './job';

/** The Bulk Data capability statement every server with $export instantiates. */
export const BULK_DATA_CAPABILITY = 'http://hl7.org/fhir/uv/bulkdata/CapabilityStatement/bulk-data';

export interface BulkModule {
  /** $export at system, Patient and Group level. */
  operations: OperationDefinitionRef[];
  /** Status (poll, cancel) and file download URLs. */
  rawRoutes: RawRoute[];
  /** Canonical URLs for CapabilityStatement.instantiates. */
  instantiates: string[];
  /** Starts the worker of `store` (resumes the jobs a previous run left); none once stopped. */
  start(store: DocumentStore, settings: FhirSettings): ExportWorker | undefined;
  /** Stops every worker for good (shutdown); running jobs give their lease back, queued ones wait for the next start. */
  stop(): Promise<void>;
}

const quiet: StoreLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

/**
 * FHIR Bulk Data Access IG 2.0.0 export: kick-off operations, durable jobs in the store run by a
 * leased worker, NDJSON files in the store's blob store (files under DATA_DIR, or GridFS).
 */
export function bulkModule(over: Partial<BulkConfig> = {}, logger: StoreLogger = quiet): BulkModule {
  const config = resolveBulkConfig(over);
  const workers = new Map<DocumentStore, ExportWorker>();
  let stopped = false;
  const start = (store: DocumentStore, settings: FhirSettings): ExportWorker | undefined => {
    if (stopped) return undefined;
    let worker = workers.get(store);
    if (!worker) {
      worker = new ExportWorker(store, settings, config, logger);
      workers.set(store, worker);
      worker.start();
    }
    return worker;
  };
  // a request proves the store is live: make sure its worker runs (tests build apps without compose)
  const seen = (ctx: FhirContext) => start(ctx.store, ctx.settings);
  return {
    operations: exportOperations(config, (ctx) => seen(ctx)?.nudge()),
    rawRoutes: bulkRoutes(config, seen),
    instantiates: [BULK_DATA_CAPABILITY],
    start,
    stop: async () => {
      stopped = true;
      const all = [...workers.values()];
      workers.clear();
      await Promise.all(all.map((w) => w.stop()));
    },
  };
}
