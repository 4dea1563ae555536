/**
 * A bound on the errors ajv collects in `allErrors` mode. Ajv has no such option: with
 * `allErrors` it records every error of the instance, and a 2 MB body of `[1,1,1,…]` yields a
 * million error objects (tens of seconds, a gigabyte). We rewrite each generated validate
 * function (in ajv's standalone module, see schema-cache.ts) so that every
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

const BUDGET_DECLARATION = `const budget$ = globalThis[Symbol.for(${JSON.stringify(KEY)})];`;

/** The budget checks inside the body of the generated function `name`. */
function addChecks(body: string, name: string): string {
  const stop = `{${name}.errors = vErrors;return false;}`;
  return body
    .split(PUSH)
    .join(`${PUSH}if(++budget$.spent > budget$.max)${stop}`)
    .split(MERGE)
    .join(`${MERGE}if(budget$.spent > budget$.max)${stop}`);
}

/**
 * Adds the budget checks to ajv's standalone module (`ajv/dist/standalone`; ajv's `code.process`
 * hook does not reach it, it is emitted from the code before processing): a sequence of top-level `function validateN(` declarations,
 * each body running up to the next one (schema constants in between hold no generated code).
 */
export function boundStandaloneErrorCollection(code: string): string {
  const parts = code.split(/(?=function validate\d+\()/);
  const prelude = parts.shift() ?? '';
  if (parts.length === 0 || !prelude.startsWith('"use strict";')) throw new Error('Unexpected ajv standalone layout (ajv upgraded?)');
  const bounded = parts.map((part) => addChecks(part, /^function (validate\d+)\(/.exec(part)?.[1] as string));
  return `"use strict";${BUDGET_DECLARATION}${prelude.slice('"use strict";'.length)}${bounded.join('')}`;
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
