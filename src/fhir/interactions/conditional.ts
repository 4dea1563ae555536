import { badRequest, preconditionFailed } from '../outcome';
import type { FhirContext, FhirRequest } from '../request';
import type { ResourceDocument } from '../resource-document';
import { findMatches } from '../search/api';

/** Parameters that shape the response, not the match: never part of a conditional criterion. */
const RESULT_PARAMETERS = new Set(['_format', '_pretty', '_summary', '_elements']);

export type Criteria = Array<[string, string]>;

/** The search criteria of a conditional update/delete/patch URL (`[type]?criteria`). */
export function criteriaFromQuery(req: FhirRequest): Criteria {
  const criteria = req.query.filter(([name]) => !RESULT_PARAMETERS.has(name));
  if (criteria.length === 0) throw badRequest('A conditional interaction needs search criteria in the query string');
  return criteria;
}

/** The criteria of an If-None-Exist header: `identifier=x`, `?identifier=x` or `Patient?identifier=x`. */
export function criteriaFromHeader(value: string, type: string): Criteria {
  let text = value.trim();
  const question = text.indexOf('?');
  if (question >= 0) {
    const prefix = text.slice(0, question).replace(/^.*\//, '');
    if (prefix !== '' && prefix !== type) throw badRequest(`If-None-Exist names type '${prefix}', not '${type}'`);
    text = text.slice(question + 1);
  }
  const criteria: Criteria = [...new URLSearchParams(text)].filter(([name]) => !RESULT_PARAMETERS.has(name));
  if (criteria.length === 0) throw badRequest('If-None-Exist needs search criteria, e.g. identifier=system|value');
  return criteria;
}

/** 0 or 1 current match; more than one is 412 (this server does not resolve multiple matches). */
export async function singleMatch(ctx: FhirContext, type: string, criteria: Criteria, what: string): Promise<ResourceDocument | undefined> {
  const matches = await findMatches(type, criteria, ctx, 2);
  if (matches.length > 1) throw preconditionFailed(`Conditional ${what}: the criteria match more than one ${type}`);
  return matches[0];
}
