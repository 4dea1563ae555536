import type { DocumentStore } from '../storage/port';

/** The few logger methods this needs (pino's and console's shapes both fit). */
export interface HintLogger {
  info(message: string): void;
}

/**
 * On an empty store, tells the operator how to load the synthetic telehealth dataset.
 * Returns true when the hint was printed. Cheap: one count on the Patient collection.
 */
export async function printSeedHintIfEmpty(store: DocumentStore, log: HintLogger, baseUrl = 'http://localhost:8080/fhir'): Promise<boolean> {
  const patients = await store.collection('Patient').countDocuments({ deleted: false });
  if (patients > 0) return false;
  log.info(
    `The store holds no patients yet. Load the synthetic telehealth dataset with: npm run seed -- --base ${baseUrl}` +
      ' (when authorization is on, with ADMIN_CLIENT_SECRET set to the admin secret — the one the server was started with, or the one printed at its first start: it also registers a demo SMART app and users; --patients N to size it).',
  );
  return true;
}
