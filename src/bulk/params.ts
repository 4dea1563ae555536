import type { OperationOutcomeIssue } from 'fhir/r4';
import { isResourceType } from '../fhir/definitions/resource-types';
import { badRequest, FhirError, issue } from '../fhir/outcome';
import type { FhirRequest } from '../fhir/request';

/**
 * Kick-off parameters (Bulk Data IG 2.0.0, export.html#query-parameters), from the query string
 * (GET) or a Parameters resource (POST), already merged as name → values by the operation layer.
 * Unsupported parameters are refused (400) unless the client asked for `Prefer: handling=lenient`,
 * in which case they are ignored and reported in the manifest's error file.
 */
export interface ExportParams {
  types?: string[];
  sinceMs?: number;
  /** `_typeFilter` queries grouped by type, as `[name, value]` pairs per query. */
  typeFilters: Map<string, Array<Array<[string, string]>>>;
  elements?: string[];
  /** Patient ids of the `patient` parameter (Patient and Group level, POST only). */
  patients?: string[];
  lenient: boolean;
  issues: OperationOutcomeIssue[];
}

export const NDJSON_FORMATS = ['application/fhir+ndjson', 'application/ndjson', 'ndjson'];
const KNOWN = new Set(['_outputFormat', '_since', '_type', '_typeFilter', '_elements', 'patient']);
const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

/** `Prefer: respond-async` is required; `handling=lenient` may be given in the same header. */
export function preferences(req: FhirRequest): { async: boolean; lenient: boolean } {
  const prefer = (req.headers['prefer'] ?? '').toLowerCase();
  const parts = prefer.split(/[,;]/).map((p) => p.trim().replace(/\s*=\s*/, '='));
  return { async: parts.includes('respond-async'), lenient: parts.includes('handling=lenient') };
}

const strings = (values: unknown[] | undefined, name: string): string[] =>
  (values ?? []).map((v) => {
    if (typeof v !== 'string') throw badRequest(`The ${name} parameter must be a string`);
    return v;
  });

/** Comma-separated lists (`_type=Patient,Observation`), repeated or not. */
const list = (values: string[]): string[] => values.flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');

export function parseExportParams(parameters: Map<string, unknown[]>, lenient: boolean, level: 'system' | 'patient' | 'group'): ExportParams {
  const issues: OperationOutcomeIssue[] = [];
  const refuse = (message: string) => {
    if (!lenient) throw badRequest(message);
    issues.push(issue('warning', 'not-supported', `${message} (ignored: Prefer handling=lenient)`));
  };
  for (const name of parameters.keys()) if (!KNOWN.has(name)) refuse(`Unsupported $export parameter '${name}'`);

  const formats = strings(parameters.get('_outputFormat'), '_outputFormat');
  for (const format of formats) {
    if (!NDJSON_FORMATS.includes(format.trim().toLowerCase())) {
      throw new FhirError(400, [issue('error', 'not-supported', `Unsupported _outputFormat '${format}': use application/fhir+ndjson`)]);
    }
  }

  const result: ExportParams = { typeFilters: new Map(), lenient, issues };
  const since = strings(parameters.get('_since'), '_since');
  if (since.length > 1) throw badRequest('_since may be given once');
  if (since[0] !== undefined) {
    const ms = Date.parse(since[0]);
    if (!INSTANT.test(since[0]) || Number.isNaN(ms)) throw badRequest(`_since must be a FHIR instant such as 2024-01-01T00:00:00Z, got '${since[0]}'`);
    result.sinceMs = ms;
  }

  const types = list(strings(parameters.get('_type'), '_type'));
  if (types.length > 0) {
    const known = types.filter((t) => isResourceType(t));
    for (const unknown of types.filter((t) => !isResourceType(t))) refuse(`Unknown resource type '${unknown}' in _type`);
    result.types = [...new Set(known)];
  }

  for (const text of strings(parameters.get('_typeFilter'), '_typeFilter')) parseTypeFilter(text, result, refuse);

  const elements = list(strings(parameters.get('_elements'), '_elements'));
  if (elements.length > 0) {
    for (const element of elements) if (!/^([A-Z][A-Za-z]+\.)?[a-z][A-Za-z0-9]*(\[x\])?$/.test(element)) throw badRequest(`Invalid _elements entry '${element}'`);
    result.elements = elements;
  }

  const patients = parameters.get('patient');
  if (patients) {
    if (level === 'system') refuse('The patient parameter applies to Patient and Group level exports only');
    else result.patients = patients.map(patientId);
  }
  return result;
}

/** `Observation?code=8867-4&status=final`: a type, then a search query (export.html#_typefilter). */
function parseTypeFilter(text: string, result: ExportParams, refuse: (message: string) => void): void {
  const question = text.indexOf('?');
  const type = question > 0 ? text.slice(0, question) : '';
  if (!/^[A-Z][A-Za-z]+$/.test(type) || question === text.length - 1) {
    throw badRequest(`Invalid _typeFilter '${text}': expected [type]?[search parameters]`);
  }
  if (!isResourceType(type)) {
    refuse(`Unknown resource type '${type}' in _typeFilter`);
    return;
  }
  const pairs: Array<[string, string]> = [...new URLSearchParams(text.slice(question + 1))];
  const queries = result.typeFilters.get(type) ?? [];
  queries.push(pairs);
  result.typeFilters.set(type, queries);
}

/** A `patient` parameter value: a Reference to a Patient (`Patient/123`). */
function patientId(value: unknown): string {
  const reference = typeof value === 'object' && value !== null ? (value as { reference?: unknown }).reference : value;
  const match = typeof reference === 'string' ? /(?:^|\/)Patient\/([A-Za-z0-9\-.]{1,64})$/.exec(reference) : null;
  if (!match) throw badRequest('The patient parameter must be a Reference to a Patient, e.g. {"reference": "Patient/123"}');
  return match[1] as string;
}
