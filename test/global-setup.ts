import { loadSchemaValidator } from '../src/fhir/validation/schema-cache';

/**
 * Runs once before the suites: compiles the R4 schema validator into the on-disk cache (unless it
 * is there already) so that every suite loads it in a fraction of a second instead of compiling
 * its own copy, and parallel workers never compile it at the same time.
 */
export default function globalSetup(): void {
  loadSchemaValidator();
}
