import { expandValueSet, type Expansion } from '../../definitions/valuesets';

/**
 * Required bindings (R4 terminologies.html#required). The value is judged only when the value
 * set expands locally; for a CodeableConcept one coding in the value set is enough, and a
 * concept with text only is not judged. Returns the offending code, or undefined when fine or
 * not judgeable.
 */
interface CodingLike {
  system?: unknown;
  code?: unknown;
}

function codingIn(expansion: Expansion, coding: CodingLike): boolean | undefined {
  if (typeof coding.code !== 'string') return undefined;
  if (typeof coding.system !== 'string') return expansion.codes.has(coding.code);
  return expansion.keys.has(`${coding.system}|${coding.code}`);
}

const render = (coding: CodingLike) => (typeof coding.system === 'string' ? `${coding.system}#${String(coding.code)}` : String(coding.code));

export function bindingViolation(valueSet: string, type: string | undefined, value: unknown): string | undefined {
  const expansion = expandValueSet(valueSet);
  if (!expansion) return undefined;
  switch (type) {
    case 'code':
    case 'string':
    case 'uri':
      return typeof value === 'string' && !expansion.codes.has(value) ? value : undefined;
    case 'Coding':
    case 'Quantity': {
      const coding = value as CodingLike;
      return codingIn(expansion, coding) === false ? render(coding) : undefined;
    }
    case 'CodeableConcept': {
      const codings = ((value as { coding?: CodingLike[] }).coding ?? []).filter((c) => typeof c?.code === 'string');
      if (codings.length === 0) return undefined;
      return codings.some((c) => codingIn(expansion, c) === true) ? undefined : codings.map(render).join(', ');
    }
    default:
      return undefined;
  }
}
