/**
 * A bound on the errors ajv collects in `allErrors` mode. Ajv has no such option: with
 * `allErrors` it records every error of the instance, and a 2 MB body of `[1,1,1,…]` yields a
 * million error objects (tens of seconds, a gigabyte). We rewrite each generated validate
 * function (ajv's `code.process` hook, which also applies to standalone code) so that every
 * recorded error spends one unit of a shared budget; once it is spent, each function returns
 * `false` with the errors it has, and its callers do the same after merging them — the errors
 * kept are real ones, at most a budget's worth, and the rest of the instance is not visited.
 *
 * Caveat: a function that stops inside an `anyOf` branch keeps that branch's errors, which ajv
 * would have dropped had another branch passed; this only happens at the cut-off point, in a
 * resource already known to have more errors than are reported.
 */
export interface ErrorBudget {
  /** Errors recorded so far in the current validation. */
  spent: number;
  /** Errors allowed; Infinity outside a bounded validation. */
  max: number;
}

const KEY = 'telefhir.ajvErrorBudget';
const registry = globalThis as unknown as Record<symbol, ErrorBudget | undefined>;

/** The one budget the generated code reads (validation is synchronous: one validation at a time). */
export const errorBudget: ErrorBudget = (registry[Symbol.for(KEY)] ??= { spent: 0, max: Infinity });

const PUSH = 'errors++;';
const MERGE = 'errors = vErrors.length;';

/** Ajv `code.process`: adds the budget checks to one generated validate function. */
export function boundErrorCollection(code: string): string {
  if (!code.includes(PUSH) && !code.includes(MERGE)) return code;
  const names = [...code.matchAll(/return function (validate\d+)\(/g)];
  const name = names[0]?.[1];
  if (names.length !== 1 || !name) throw new Error('Unexpected ajv code layout: cannot bound error collection (ajv upgraded?)');
  const stop = `{${name}.errors = vErrors;return false;}`;
  return code
    .replace('return function ', `const budget$ = globalThis[Symbol.for(${JSON.stringify(KEY)})];return function `)
    .split(PUSH)
    .join(`${PUSH}if(++budget$.spent > budget$.max)${stop}`)
    .split(MERGE)
    .join(`${MERGE}if(budget$.spent > budget$.max)${stop}`);
}

/** Runs `validate` with at most `max` errors collected; says whether the budget ran out. */
export function withErrorBudget<T>(max: number, validate: () => T): { result: T; exhausted: boolean } {
  errorBudget.spent = 0;
  errorBudget.max = max;
  try {
    const result = validate();
    return { result, exhausted: errorBudget.spent > errorBudget.max };
  } finally {
    errorBudget.max = Infinity;
  }
}
