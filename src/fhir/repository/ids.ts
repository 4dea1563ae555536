import { randomBytes } from 'node:crypto';

/** FHIR id syntax (R4 datatypes: id). */
export const ID_PATTERN = /^[A-Za-z0-9\-.]{1,64}$/;

export const isValidId = (id: string) => ID_PATTERN.test(id);

// ids draw from a pool of random bytes refilled 256 ids at a time: one randomBytes call per id
// was a measurable share of a create
const POOL_IDS = 256;
let pool = Buffer.alloc(0);
let offset = 0;

/** A random URL-safe server id: 128 bits in base64url (22 characters of [A-Za-z0-9_-]; `_` mapped to `.`). */
export function newResourceId(): string {
  if (offset >= pool.length) {
    pool = randomBytes(16 * POOL_IDS);
    offset = 0;
  }
  const id = pool.toString('base64url', offset, offset + 16).replace(/_/g, '.');
  offset += 16;
  return id;
}

/** `W/"3"` for version 3. */
export const etagOf = (versionId: number) => `W/"${versionId}"`;

/**
 * The version number of an If-Match / If-None-Match value (`W/"3"`, `"3"` or `3`), or undefined
 * when it is not a version tag.
 */
export function parseVersionTag(value: string): number | undefined {
  const match = /^\s*(?:W\/)?"?(\d{1,15})"?\s*$/.exec(value);
  return match ? Number(match[1]) : undefined;
}

/** RFC 7231 HTTP-date for Last-Modified. */
export const httpDate = (iso: string) => new Date(iso).toUTCString();
