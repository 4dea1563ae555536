import { FhirError, issue } from '../outcome';

/**
 * Bounds on the shape of a parsed request body, checked once before any work proportional to it
 * (validation, indexing, storage) is done: the event loop is shared by every client, and deep
 * nesting overflows the stack of the recursive code downstream (schema validation, FHIRPath,
 * JSON.stringify) while one huge string or millions of tiny elements cost seconds and gigabytes.
 */
export interface BodyLimits {
  /** MAX_JSON_DEPTH: nested objects/arrays (the body itself is level 1). */
  maxDepth: number;
  /** MAX_STRING_LENGTH: characters of one string value or property name, base64Binary excepted. */
  maxStringLength: number;
  /** MAX_BODY_ELEMENTS: JSON values (objects, arrays, strings, numbers, booleans, nulls) in one body. */
  maxElements: number;
}

/**
 * The deepest HL7 R4 example (a QuestionnaireResponse) nests 21 levels, 24 inside a transaction;
 * Synthea patient bundles nest 11. FHIR caps strings at 1 MB (datatypes.html#string); the longest
 * real one (a narrative) is 143 000 characters. A 2 MB Synthea bundle holds 70 000 elements, so
 * 16 MB of real FHIR stays well under one million.
 */
export const DEFAULT_BODY_LIMITS: BodyLimits = { maxDepth: 128, maxStringLength: 1024 * 1024, maxElements: 1_000_000 };

/**
 * base64Binary elements (Binary.data, Attachment.data, Signature.data, Device.udiCarrier.carrierAIDC,
 * AuditEvent.entity.query, extension values) legitimately carry whole files: they are bounded by the
 * body size (MAX_BODY_BYTES) only. Keyed by property name: the walk knows no types.
 */
const BASE64_PROPERTIES: ReadonlySet<string> = new Set(['data', 'valueBase64Binary', 'carrierAIDC', 'query']);

/** A value still to visit: its parent frame and key let the path be rebuilt for the one that fails. */
interface Frame {
  value: unknown;
  depth: number;
  key: string | number | undefined;
  parent: Frame | undefined;
}

/**
 * Throws FhirError when `body` breaks a limit: 400 `too-costly` (nesting), 400 `too-long` (a
 * string), 413 `too-costly` (element count). Iterative (an explicit stack, never recursion) and
 * linear in the body, so that it is itself safe on the input it guards against.
 */
export function assertBodyWithinLimits(body: unknown, limits: BodyLimits = DEFAULT_BODY_LIMITS): void {
  if (body === null || typeof body !== 'object') return;
  const stack: Frame[] = [{ value: body, depth: 1, key: undefined, parent: undefined }];
  let elements = 0;
  while (stack.length > 0) {
    const frame = stack.pop() as Frame;
    elements++;
    const value = frame.value;
    if (typeof value === 'string') {
      if (value.length > limits.maxStringLength && !(typeof frame.key === 'string' && BASE64_PROPERTIES.has(frame.key))) {
        throw tooLong(`A string of ${value.length} characters exceeds the limit of ${limits.maxStringLength} (MAX_STRING_LENGTH)`, frame);
      }
      continue;
    }
    if (value === null || typeof value !== 'object') continue;
    if (frame.depth > limits.maxDepth) {
      throw new FhirError(400, [issue('error', 'too-costly', `The request body nests JSON objects and arrays deeper than ${limits.maxDepth} levels (MAX_JSON_DEPTH)`)]);
    }
    const depth = frame.depth + 1;
    // counted when pushed, so that one huge array is refused before its frames are allocated
    if (Array.isArray(value)) {
      if (elements + stack.length + value.length > limits.maxElements) throw tooMany(limits);
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], depth, key: i, parent: frame });
    } else {
      for (const key in value) {
        if (key.length > limits.maxStringLength) throw tooLong(`A property name of ${key.length} characters exceeds the limit of ${limits.maxStringLength} (MAX_STRING_LENGTH)`, frame);
        if (elements + stack.length >= limits.maxElements) throw tooMany(limits);
        stack.push({ value: (value as Record<string, unknown>)[key], depth, key, parent: frame });
      }
    }
  }
}

function tooMany(limits: BodyLimits): FhirError {
  return new FhirError(413, [issue('error', 'too-costly', `The request body has more than ${limits.maxElements} JSON elements (MAX_BODY_ELEMENTS)`)]);
}

function tooLong(message: string, frame: Frame): FhirError {
  return new FhirError(400, [issue('error', 'too-long', message, [pathOf(frame)])]);
}

/** `Patient.name[0].family`-style location of a frame (the root's resourceType names it when known). */
function pathOf(frame: Frame): string {
  const parts: string[] = [];
  let root: Frame = frame;
  for (let f: Frame | undefined = frame; f; f = f.parent) {
    if (typeof f.key === 'number') parts.push(`[${f.key}]`);
    else if (typeof f.key === 'string') parts.push(`.${f.key}`);
    root = f;
  }
  const type = (root.value as { resourceType?: unknown }).resourceType;
  return `${typeof type === 'string' && /^[A-Za-z]{1,64}$/.test(type) ? type : '$'}${parts.reverse().join('')}`;
}
