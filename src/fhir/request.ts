import type { CapabilityStatementRestSecurity, Extension, Resource } from 'fhir/r4';
import type { DocumentStore, TxSession } from '../storage/port';
import type { AccessContext } from './access/context';
import type { BodyLimits } from './limits/body-limits';

/**
 * The transport-free shape of a FHIR call. The HTTP layer builds it from Express; batch and
 * transaction entries build it from Bundle.entry.request, so both run through the same code.
 */
export type FhirMethod = 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface FhirRequest {
  method: FhirMethod;
  /** Path below the FHIR base, without leading slash or query, e.g. `Patient/123/_history/2`. */
  path: string;
  /** Query parameters in the order given; repeated names stay repeated. */
  query: Array<[name: string, value: string]>;
  /** Parsed JSON body (resource, Parameters, JSON Patch array) or raw bytes (Binary). */
  body?: unknown;
  /** Lower-case header names: if-match, if-none-match, if-none-exist, if-modified-since, prefer, content-type. */
  headers: Record<string, string | undefined>;
  /**
   * Internal only (never set from HTTP input): the logical id a create (POST [type], or a
   * conditional update that creates) MUST use instead of generating one. Transaction processing
   * pre-assigns ids to `urn:uuid:` entries so that references between entries can be rewritten
   * before any entry runs (hl7.org/fhir/R4/http.html#trules).
   */
  assignedId?: string;
}

export interface FhirResponse {
  status: number;
  /** A resource, or undefined for an empty body. */
  body?: Resource;
  /** Extra headers: ETag, Location, Last-Modified, Content-Location, ... */
  headers?: Record<string, string>;
}

/** Settings the FHIR layer needs, resolved from config by the composition root (main.ts). */
export interface FhirSettings {
  /** Absolute FHIR base URL without trailing slash, e.g. http://localhost:8080/fhir */
  baseUrl: string;
  defaultPageSize: number;
  maxPageSize: number;
  maxBundleEntries: number;
  /** `reject`: a write with validation errors is refused (422); `warn`: accepted, issues logged. */
  validationMode: 'reject' | 'warn';
  /*
   * Bounds on work proportional to hostile input (the event loop is shared by every client).
   * Optional: when absent, the defaults of src/fhir/limits.ts apply (read them with `limitsOf`).
   */
  /** Issues a validation reports before it stops and says so (VALIDATION_MAX_ISSUES). */
  validationMaxIssues?: number;
  /** Resources a batch/transaction response may carry across all entries (BUNDLE_MAX_OUTPUT_RESOURCES). */
  bundleMaxOutputResources?: number;
  /** Resources _include/_revinclude add to one search page (SEARCH_MAX_INCLUDED). */
  searchMaxIncluded?: number;
  /** The SMART security block advertised in the CapabilityStatement; undefined when AUTH=off. */
  security?: CapabilityStatementRestSecurity;
  /** Hostile input: nesting, string and element bounds of every request body (DEFAULT_BODY_LIMITS when absent). */
  bodyLimits?: BodyLimits;
  /** Types the API may read but never create, update, patch or delete (405), e.g. the server-written AuditEvent. */
  readOnlyTypes?: readonly string[];
  /** Extensions of the CapabilityStatement's rest entry added by subsystems (e.g. the websocket URL). */
  restExtensions?: Extension[];
  /** CapabilityStatement.instantiates: capability statements the server implements (e.g. Bulk Data). */
  instantiates?: string[];
}

/** An operation handler such as `$validate`, `$everything`, `$start-visit`. */
export interface OperationDefinitionRef {
  /** Without `$`, e.g. `everything`. */
  name: string;
  /** Canonical URL of its OperationDefinition. */
  definition: string;
  /** Resource types it is defined on; empty for system level. */
  resourceTypes: string[];
  system: boolean;
  type: boolean;
  instance: boolean;
  /** True when the operation changes nothing (GET allowed). */
  affectsState: boolean;
  /**
   * True when the handler narrows what it returns to the caller's scopes itself (Patient/$export
   * with `system/Observation.rs` exports Observations: a scope on the operation's own type is not
   * needed). The generic type-level check is then skipped; instance operations still read their
   * resource with the caller's access.
   */
  scopesCheckedByHandler?: boolean;
  documentation?: string;
  handler: OperationHandler;
}

export interface OperationCall {
  request: FhirRequest;
  resourceType?: string;
  id?: string;
  /** GET query parameters and POST Parameters resource, merged as name → values. */
  parameters: Map<string, unknown[]>;
}

export type OperationHandler = (call: OperationCall, ctx: FhirContext) => Promise<FhirResponse>;

/** Hooks that workflow modules (src/telehealth) attach to writes. */
export interface WriteEvent {
  interaction: 'create' | 'update' | 'patch' | 'delete';
  resourceType: string;
  id: string;
  before?: Resource;
  after?: Resource;
  /**
   * The search index entries and compartments of `after` as stored (create/update/patch), so
   * that hooks matching search criteria (src/subscriptions) need not compute them again.
   */
  afterIndex?: { idx: Record<string, unknown>; compartments: string[] };
}
export type BeforeWriteHook = (event: WriteEvent, ctx: FhirContext) => Promise<void>;
export type AfterWriteHook = (event: WriteEvent, ctx: FhirContext) => Promise<void>;

export interface FhirServices {
  store: DocumentStore;
  settings: FhirSettings;
  operations: OperationDefinitionRef[];
  beforeWrite: BeforeWriteHook[];
  afterWrite: AfterWriteHook[];
}

export interface FhirContext extends FhirServices {
  access: AccessContext;
  /** For log correlation only. */
  requestId: string;
  /**
   * Set while a transaction Bundle runs: every store call (reads included, so the transaction
   * sees its own writes) MUST pass it, and code that would open `store.withTransaction` itself
   * MUST instead join this session (no nested transactions: MongoDB cannot nest them and the
   * embedded engine would wait for itself).
   */
  session?: TxSession;
  /**
   * When set (by the HTTP layer, for the audit trail), every interaction dispatched for this
   * request — the request itself and each batch/transaction entry — appends what it did here.
   */
  trail?: InteractionRecord[];
}

/** One dispatched interaction and how it ended, as the audit trail sees it. */
export interface InteractionRecord {
  request: FhirRequest;
  /** The matched interaction of the routing table; absent when the path matched none. */
  interaction?: string;
  type?: string;
  id?: string;
  vid?: string;
  op?: string;
  target?: string;
  status: number;
  response?: FhirResponse;
  /** The FhirError (or other failure) the interaction ended with. */
  error?: unknown;
}

/** What the HTTP layer reports of each FHIR request once its answer is known, before releasing it. */
export interface RequestReport {
  request: FhirRequest;
  status: number;
  /** Absent when the request failed before its token was resolved (401). */
  access?: AccessContext;
  /** The peer address of the connection. */
  address?: string;
  /** The interactions dispatched (empty when the request failed before routing or took a raw route). */
  trail: InteractionRecord[];
  error?: unknown;
}

/** Observes every FHIR request (the audit trail): the answer is released once `record` resolves. */
export interface RequestObserver {
  record(report: RequestReport): Promise<void>;
  /** Narrows what a token grants before any interaction runs. */
  restrictAccess?(access: AccessContext): AccessContext;
}

export type InteractionHandler = (req: FhirRequest, ctx: FhirContext) => Promise<FhirResponse>;
