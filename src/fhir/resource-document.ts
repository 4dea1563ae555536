import type { Resource } from 'fhir/r4';
import type { StoredDocument } from '../storage/port';

/**
 * A current-version document, one collection per resource type (collection name = type).
 * History versions live in `${type}_history` with `_id` = `${id}/${versionId}`.
 */
export interface ResourceDocument extends StoredDocument {
  /** The logical id. */
  _id: string;
  /** Monotonic version number (meta.versionId is its decimal string). */
  versionId: number;
  /** ISO instant, as in meta.lastUpdated. */
  lastUpdated: string;
  /** Epoch milliseconds of lastUpdated, for range queries and sorting. */
  lastUpdatedMs: number;
  deleted: boolean;
  /** The FHIR JSON exactly as served; absent on a delete tombstone. */
  resource?: Resource;
  /** Search index entries computed at write time (src/fhir/search/indexer). */
  idx: Record<string, unknown>;
  /** `Patient/x` references of the patient compartments the resource belongs to. */
  compartments: string[];
}

export interface HistoryDocument extends StoredDocument {
  /** `${id}/${versionId}` */
  _id: string;
  id: string;
  versionId: number;
  lastUpdated: string;
  lastUpdatedMs: number;
  deleted: boolean;
  /** The HTTP method that produced this version (history Bundle.entry.request). */
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  resource?: Resource;
}

export const historyCollectionName = (type: string) => `${type}_history`;
