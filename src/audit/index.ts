import type { RequestHandler } from 'express';
import { FhirError, issue } from '../fhir/outcome';
import type { RequestObserver } from '../fhir/request';
import type { DocumentStore } from '../storage/port';
import { auditAccessPolicy } from './access';
import { authAuditMiddleware } from './auth-events';
import { buildAuditEvent, type AuditFacts, type AuditSourceInfo } from './event';
import { factsOfRequest } from './fhir-events';
import { schedulePurge } from './retention';
import { AUDIT_TYPE, AuditWriter, type WriterStats } from './writer';

export { purgeAuditRecords } from './retention';
export { AUDIT_TYPE } from './writer';

export interface AuditOptions {
  store: DocumentStore;
  /** The FHIR base URL (the observer and destination of every record). */
  baseUrl: string;
  /** Path of the /auth endpoints (/auth). */
  authPath?: string;
  /** AUDIT_RETENTION_DAYS: records older than this are purged; 0 keeps them forever. */
  retentionDays?: number;
  /** How often the purge runs (ms, default hourly). */
  purgeEveryMs?: number;
  /** AUDIT_PATIENT_ACCESS: a patient-scoped app granted patient/AuditEvent.rs sees its patient's records. */
  patientAccess?: boolean;
  /**
   * AUDIT_DURABILITY: `ack` (default) releases an answer once its records are durable; `async`
   * releases it at once and commits in the background (faster; a crash loses the records of the
   * last moments).
   */
  durability?: 'ack' | 'async';
  onError?: (error: unknown) => void;
}

/** What src/compose.ts wires: the observer of FHIR requests, the /auth middleware, the read-only type. */
export interface AuditModule {
  observer: RequestObserver;
  authMiddleware: RequestHandler;
  /** FhirSettings.readOnlyTypes: the API never writes AuditEvent. */
  readOnlyTypes: readonly string[];
  /** Spread into createApp's dependencies. */
  appDeps: { observer: RequestObserver; authObserver: RequestHandler };
  stats: WriterStats;
  /** Stops the periodic purge. */
  stop(): void;
}

/**
 * The audit trail (IHE BALP-shaped AuditEvents): one record per FHIR interaction (each
 * batch/transaction entry included) and per authorization event, written by group commit before
 * the answer is released, stored as AuditEvent resources (searchable, never writable), purged
 * after the retention period.
 */
export function createAuditModule(options: AuditOptions): AuditModule {
  const source: AuditSourceInfo = { baseUrl: options.baseUrl };
  const writer = new AuditWriter(options.store);
  const onError = options.onError ?? (() => undefined);
  const durable = async (facts: AuditFacts[]): Promise<void> => {
    try {
      await writer.write(facts.map((f) => buildAuditEvent(f, source)));
    } catch (error) {
      onError(error);
      throw new FhirError(503, [issue('error', 'transient', 'The audit trail could not be written: the request is not acknowledged; please retry')], {
        'Retry-After': '5',
      });
    }
  };
  const background = (facts: AuditFacts[]): Promise<void> => {
    writer.write(facts.map((f) => buildAuditEvent(f, source))).catch(onError);
    return Promise.resolve();
  };
  const write = options.durability === 'async' ? background : durable;
  const days = options.retentionDays ?? 0;
  const stop = days > 0 ? schedulePurge(options.store, days, options.purgeEveryMs ?? 3600_000, onError) : () => undefined;
  const observer: RequestObserver = {
    record: (report) => write(factsOfRequest(report, new Date())),
    restrictAccess: auditAccessPolicy(options.patientAccess ?? false),
  };
  const authMiddleware = authAuditMiddleware(options.authPath ?? '/auth', (facts) => write([facts]), onError);
  return {
    observer,
    authMiddleware,
    readOnlyTypes: [AUDIT_TYPE],
    appDeps: { observer, authObserver: authMiddleware },
    stats: writer.stats,
    stop,
  };
}
