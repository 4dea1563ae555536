/**
 * Reference resolution inside a transaction Bundle (hl7.org/fhir/R4/http.html#trules):
 * "Servers SHALL replace all matching links in the bundle, whether they are found in the resource
 * ids, resource references, elements of type uri, url, oid, uuid, and <a href="" & <img src="" in
 * the narrative." Canonicals are not replaced; without type information, inside Identifier
 * subtrees only references (Identifier.assigner) are rewritten: identifier values may
 * legitimately look like a placeholder.
 */

/** fullUrl (urn:uuid:, urn:oid:, absolute URL) → `Type/id` on this server. */
export type ReferenceMap = Map<string, string>;

/** A `Type?search` conditional reference found in a resource, to be resolved before its entry runs. */
export interface ConditionalReference {
  holder: Record<string, unknown>;
  key: string;
  value: string;
}

/** String elements that are human text, never links. */
const TEXT_KEYS: ReadonlySet<string> = new Set(['text', 'display', 'description', 'comment', 'title', 'name']);
const IDENTIFIER_KEYS: ReadonlySet<string> = new Set(['identifier', 'masterIdentifier']);
const CONDITIONAL = /^[A-Z][A-Za-z]+\?./;
const RELATIVE = /^[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}(\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const NARRATIVE_LINK = /\b(href|src)\s*=\s*"([^"]*)"/g;

/**
 * Rewrites, in place, every link of `value` found in `map`. `entryBase` is the base of the
 * entry's own absolute fullUrl: a relative `Patient/1` inside it means `${entryBase}/Patient/1`.
 * Returns the conditional references found (Reference.reference of the form `Type?query`).
 */
export function rewriteLinks(value: unknown, map: ReferenceMap, entryBase?: string): ConditionalReference[] {
  const found: ConditionalReference[] = [];
  walk(value, map, entryBase, found);
  return found;
}

function walk(node: unknown, map: ReferenceMap, entryBase: string | undefined, found: ConditionalReference[], inIdentifier = false): void {
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      const item: unknown = node[i];
      if (typeof item === 'string') {
        if (inIdentifier) continue;
        const replaced = lookup(item, map, undefined);
        if (replaced !== undefined) node[i] = replaced;
      } else if (typeof item === 'object' && item !== null) {
        walk(item, map, entryBase, found, inIdentifier);
      }
    }
    return;
  }
  if (typeof node !== 'object' || node === null) return;
  const holder = node as Record<string, unknown>;
  for (const key of Object.keys(holder)) {
    const item = holder[key];
    if (typeof item === 'string') {
      if (key === 'reference') {
        const replaced = lookup(item, map, entryBase);
        if (replaced !== undefined) holder[key] = replaced;
        else if (CONDITIONAL.test(item)) found.push({ holder, key, value: item });
      } else if (inIdentifier || TEXT_KEYS.has(key)) {
        continue; // human text, or Identifier.value/system: data that may look like a placeholder
      } else if (key === 'div') {
        if (map.size > 0) holder[key] = item.replace(NARRATIVE_LINK, (all, attr: string, link: string) => {
          const replaced = map.get(link);
          return replaced === undefined ? all : `${attr}="${replaced}"`;
        });
      } else {
        const replaced = lookup(item, map, undefined);
        if (replaced !== undefined) holder[key] = replaced;
      }
    } else if (typeof item === 'object' && item !== null) {
      walk(item, map, entryBase, found, inIdentifier || IDENTIFIER_KEYS.has(key));
    }
  }
}

function lookup(value: string, map: ReferenceMap, entryBase: string | undefined): string | undefined {
  if (map.size === 0) return undefined;
  const direct = map.get(value);
  if (direct !== undefined) return direct;
  // Relative references inside an entry with an absolute fullUrl resolve against that base.
  if (entryBase !== undefined && RELATIVE.test(value)) return map.get(`${entryBase}/${value}`);
  return undefined;
}

/**
 * `http://x/fhir/Patient/1` → `http://x/fhir` (the base relative references resolve against);
 * undefined for urn: fullUrls and anything that does not end in `Type/id`.
 */
export function fullUrlBase(fullUrl: string | undefined): string | undefined {
  if (!fullUrl || !/^https?:\/\//i.test(fullUrl)) return undefined;
  const match = /^(.*)\/[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}(\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(fullUrl);
  return match?.[1];
}

/** `http://x/fhir/Patient/1` → `Patient/1`; undefined when the url does not end in `Type/id`. */
export function fullUrlTypeAndId(fullUrl: string): { type: string; id: string } | undefined {
  const match = /([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(\/_history\/[A-Za-z0-9\-.]{1,64})?$/.exec(fullUrl);
  return match?.[1] && match[2] ? { type: match[1], id: match[2] } : undefined;
}

/** Rewrites query values (conditional urls, If-None-Exist) that name a placeholder. */
export function rewriteQuery(query: Array<[string, string]>, map: ReferenceMap): void {
  if (map.size === 0) return;
  for (const pair of query) {
    const replaced = map.get(pair[1]);
    if (replaced !== undefined) pair[1] = replaced;
  }
}

/** Parses and rewrites an If-None-Exist value (a query string without `?`). */
export function rewriteQueryString(text: string, map: ReferenceMap): string {
  if (map.size === 0) return text;
  const params = new URLSearchParams(text);
  let changed = false;
  const out = new URLSearchParams();
  for (const [name, value] of params) {
    const replaced = map.get(value);
    if (replaced !== undefined) changed = true;
    out.append(name, replaced ?? value);
  }
  return changed ? out.toString() : text;
}
