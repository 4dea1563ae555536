import type { AfterWriteHook, BeforeWriteHook, OperationDefinitionRef } from '../fhir/request';
import { defaultTelehealthConfig, type TelehealthConfig } from './config';
import { binaryAfterWrite, binaryRoutes } from './media/binary';
import type { RawRoute } from './media/routes';
import { flagAfterWrite } from './rpm/flags';
import { observationBeforeWrite } from './rpm/ingest';
import { bookOperation } from './scheduling/book';
import { appointmentAfterWrite, appointmentBeforeWrite } from './visit/hooks';
import { visitOperations } from './visit/operations';

export type { TelehealthConfig, VitalRange } from './config';
export { defaultTelehealthConfig, telehealthConfigFromEnv, DEFAULT_THRESHOLDS } from './config';
export type { RawRequest, RawResponse, RawRoute } from './media/routes';
export { printSeedHintIfEmpty } from './seed-hint';

/** What main.ts wires: operations and hooks into FhirServices, binary routes into the HTTP layer. */
export interface TelehealthModule {
  operations: OperationDefinitionRef[];
  beforeWrite: BeforeWriteHook[];
  afterWrite: AfterWriteHook[];
  /** Raw (non-FHIR body) routes; offer each request to them before parsing its body. */
  binaryRoutes: RawRoute[];
}

/**
 * The telehealth workflows on top of the FHIR layer: video-visit lifecycle ($book, $start-visit,
 * $end-visit and the Appointment state machine on every write), remote-monitoring ingest rules
 * and out-of-range Flags, store-and-forward Binary media.
 */
export function telehealthModule(config: Partial<TelehealthConfig> = {}): TelehealthModule {
  const resolved = defaultTelehealthConfig(config);
  return {
    operations: [bookOperation(resolved), ...visitOperations],
    beforeWrite: [appointmentBeforeWrite, observationBeforeWrite],
    afterWrite: [appointmentAfterWrite, flagAfterWrite(resolved), binaryAfterWrite],
    binaryRoutes: binaryRoutes(resolved),
  };
}
