import { isResourceType } from '../../definitions/resource-types';
import type { SearchParamDef } from '../../definitions/search-parameters';
import { badRequest } from '../../outcome';

/**
 * Reference values (search.html#reference): `Type/id`; a bare `id` (expanded to every target type
 * of the parameter, or to the `:Type` modifier); an absolute URL (made relative when it points
 * at this server); `:identifier` with `system|value`, `|value` or `value`.
 */
export function referenceEntries(value: string, modifier: string | undefined, def: SearchParamDef, baseUrl: string): string[] {
  if (value === '') throw badRequest(`Empty reference value for parameter ${def.code}`);
  if (modifier === 'identifier') {
    const bar = value.indexOf('|');
    if (bar < 0) return [`iv:${value}`];
    return [`i:${value}`];
  }
  let text = value.startsWith(`${baseUrl}/`) ? value.slice(baseUrl.length + 1) : value;
  text = text.replace(/\/_history\/[^/]+$/, '');
  if (modifier !== undefined) {
    if (!isResourceType(modifier)) throw badRequest(`Unknown modifier :${modifier} on reference parameter ${def.code}`);
    if (def.targets.length > 0 && !def.targets.includes(modifier) && !def.targets.includes('Resource')) {
      throw badRequest(`Parameter ${def.code} cannot refer to ${modifier}`);
    }
    if (text.includes('/')) {
      if (!text.startsWith(`${modifier}/`)) throw badRequest(`Reference '${value}' is not a ${modifier}`);
      return [text];
    }
    return [`${modifier}/${text}`];
  }
  if (text.includes('/') || text.includes(':')) return [text];
  const targets = def.targets.filter((t) => isResourceType(t));
  if (targets.length === 0) return [text];
  return targets.map((t) => `${t}/${text}`);
}

