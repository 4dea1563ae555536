/** What the router hands to the search engine (see api.ts). */
export interface SearchInput {
  /** Undefined for system-level search (`GET [base]?_type=...`). */
  resourceType?: string;
  query: Array<[string, string]>;
  /** Compartment search `Patient/1/Observation`. */
  compartment?: { type: string; id: string };
  /** `Prefer: handling=lenient` */
  lenient: boolean;
}
