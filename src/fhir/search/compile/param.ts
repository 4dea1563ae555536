import type { Filter } from '../../../storage/port';
import type { SearchParamDef } from '../../definitions/search-parameters';
import { badRequest } from '../../outcome';
import { hasPrefixIndex, PREFIX_MAX, TUPLE_KEYS } from '../indexer';
import { normalizeText } from '../text';
import { allOf, anyOf, onField, prefixCond, type Cond } from './cond';
import { dateCond } from './date';
import { numberCond, quantityCond } from './quantity';
import { referenceEntries } from './reference';
import { stringCond } from './string';
import { ofTypeEntry, tokenCond, tokenEntry, tokenTextRegex } from './token';
import { uriCond } from './uri';
import { splitEscaped } from './values';

/**
 * One search parameter occurrence (`name[:modifier]=v1,v2`) → a filter on the current
 * documents. Comma-separated values are OR-ed; the caller AND-s repeated parameters.
 */
const MODIFIERS: Record<string, ReadonlySet<string>> = {
  string: new Set(['exact', 'contains', 'missing']),
  token: new Set(['not', 'text', 'of-type', 'missing']),
  reference: new Set(['identifier', 'missing']),
  date: new Set(['missing']),
  number: new Set(['missing']),
  quantity: new Set(['missing']),
  uri: new Set(['below', 'above', 'missing']),
  composite: new Set(['missing']),
};

export function checkModifier(def: SearchParamDef, modifier: string | undefined): void {
  if (modifier === undefined) return;
  if (def.type === 'reference' && /^[A-Z]/.test(modifier)) return;
  if (!MODIFIERS[def.type]?.has(modifier)) {
    throw badRequest(`Modifier :${modifier} is not supported on ${def.type} parameter ${def.code}`);
  }
}

export function missingFilter(field: string, value: string, name: string): Filter {
  if (value !== 'true' && value !== 'false') throw badRequest(`${name}:missing takes true or false, not '${value}'`);
  return { [field]: { $exists: value === 'false' } };
}

/** Element condition of one value of a (non-composite) parameter type. */
function valueCond(type: string, value: string, modifier: string | undefined, name: string): Cond {
  switch (type) {
    case 'token':
      return tokenCond(value, name);
    case 'string':
      return stringCond(value, modifier, name);
    case 'date':
      return dateCond(value, name);
    case 'number':
      return numberCond(value, name);
    case 'quantity':
      return quantityCond(value, name);
    case 'uri':
      return uriCond(value, modifier, name);
    case 'reference':
      return { '': value };
    default:
      throw badRequest(`Parameter ${name} of type ${type} cannot be searched`);
  }
}

function compositeCond(def: SearchParamDef, value: string): Filter {
  const parts = splitEscaped(value, '$');
  if (parts.length !== def.components.length) {
    throw badRequest(`Composite parameter ${def.code} needs ${def.components.length} values separated by $, not '${value}'`);
  }
  const conds = parts.map((part, i) => {
    const component = def.components[i];
    const key = TUPLE_KEYS[i] as string;
    if (!component) throw badRequest(`Composite parameter ${def.code} has no component ${i + 1}`);
    const cond = component.type === 'token' ? { '': tokenEntry(part, def.code) } : valueCond(component.type, part, undefined, def.code);
    return prefixCond(cond, key);
  });
  return { [`idx.${def.code}`]: { $elemMatch: conds.length === 1 ? conds[0] : { $and: conds } } };
}

/** The filter of one parameter occurrence whose definition is known (not chained, not _has). */
export function compileParam(def: SearchParamDef, modifier: string | undefined, value: string, baseUrl: string, type = ''): Filter {
  checkModifier(def, modifier);
  const field = `idx.${def.code}`;
  if (modifier === 'missing') return missingFilter(field, value, def.code);
  const values = splitEscaped(value, ',');
  if (def.type === 'composite') return anyOf(values.map((v) => compositeCond(def, v)));
  if (def.type === 'token') {
    if (modifier === 'text') return anyOf(values.map((v) => onField(`${field}:text`, tokenTextRegex(v))));
    const entries = values.map((v) => (modifier === 'of-type' ? ofTypeEntry(v, def.code) : tokenEntry(v, def.code)));
    if (modifier === 'not') return { [field]: { $nin: entries } };
    return anyOf(entries.map((e) => ({ [field]: e })));
  }
  if (def.type === 'reference') {
    const entries = values.flatMap((v) => referenceEntries(v, modifier, def, baseUrl));
    return anyOf(entries.map((e) => ({ [field]: e })));
  }
  if (def.type === 'string' && modifier === 'exact') return anyOf(values.map((v) => ({ [`${field}:exact`]: v })));
  if (def.type === 'string' && modifier === undefined && hasPrefixIndex(type, def.code)) {
    // Equality on the indexed prefix narrows the candidates; the anchored regex decides.
    return anyOf(values.map((v) => allOf([{ [`${field}:prefix`]: normalizeText(v).slice(0, PREFIX_MAX) }, onField(field, stringCond(v, undefined, def.code))])));
  }
  return anyOf(values.map((v) => onField(field, valueCond(def.type, v, modifier, def.code))));
}

/** `_id` and `_lastUpdated` live on the document itself. */
export function compileDocumentParam(code: '_id' | '_lastUpdated', modifier: string | undefined, value: string): Filter {
  const values = splitEscaped(value, ',');
  if (code === '_id') {
    if (modifier === 'missing') return missingFilter('_id', value, code);
    if (modifier === 'not') return { _id: { $nin: values } };
    if (modifier !== undefined) throw badRequest(`Modifier :${modifier} is not supported on _id`);
    if (values.some((v) => v === '')) throw badRequest('Empty _id value');
    return anyOf(values.map((v) => ({ _id: v })));
  }
  if (modifier === 'missing') return missingFilter('lastUpdatedMs', value, code);
  if (modifier !== undefined) throw badRequest(`Modifier :${modifier} is not supported on _lastUpdated`);
  return anyOf(values.map((v) => prefixCond(dateCond(v, code, '', ''), 'lastUpdatedMs')));
}

export { allOf };
