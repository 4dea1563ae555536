import type { ErrorObject, ValidateFunction } from 'ajv';
import type { OperationOutcomeIssue } from 'fhir/r4';
import { issue } from '../outcome';
import { withErrorBudget } from './error-budget';
import { capIssues, DEFAULT_MAX_ISSUES } from './limits';
import { loadSchemaValidator, type LoadedValidator, type SchemaCacheOptions } from './schema-cache';

/**
 * JSON-schema validation of resources against HL7's fhir.schema.json (restricted to HL7 4.0.1),
 * loaded once, lazily on first use (call `warmUpSchemaValidator` at start to pay it early), from
 * the on-disk cache of compiled validators when it is there (see schema-cache.ts).
 * One validator, with `allErrors` and a bounded error collection (see error-budget.ts): on valid
 * input it costs what a first-error pass costs (a 15 MB resource: ~80 ms), and on invalid input
 * it stops after a few times `maxIssues` errors instead of recording every one.
 */
let validator: ValidateFunction | undefined;

/** Loads the validator unless already loaded; says where it came from (undefined: already loaded). */
export function warmUpSchemaValidator(options: SchemaCacheOptions = {}): Omit<LoadedValidator, 'validate'> | undefined {
  if (validator) return undefined;
  const { validate, ...origin } = loadSchemaValidator(options);
  validator = validate;
  return origin;
}

/**
 * Structural issues of `resource` (unknown elements, wrong types, bad primitive formats): at most
 * `maxIssues`, followed by a `too-costly` notice when there were more.
 */
export function validateSchema(resource: unknown, maxIssues = DEFAULT_MAX_ISSUES): OperationOutcomeIssue[] {
  warmUpSchemaValidator();
  const validate = validator as ValidateFunction;
  // Errors ajv records but we drop (oneOf, if) or merge (duplicates) need room beyond maxIssues.
  const { result: valid, exhausted } = withErrorBudget(maxIssues * 2 + 10, () => validate(resource));
  if (valid) return [];
  const root = rootName(resource);
  const issues: OperationOutcomeIssue[] = [];
  const seen = new Set<string>();
  let more = exhausted;
  for (const error of validate.errors ?? []) {
    const converted = toIssue(root, error);
    if (!converted) continue;
    const key = `${converted.expression?.[0]}|${converted.diagnostics}`;
    if (seen.has(key)) continue;
    if (issues.length >= maxIssues) {
      more = true;
      break;
    }
    seen.add(key);
    issues.push(converted);
  }
  // never let a failed validation read as a pass, whatever ajv reported
  if (issues.length === 0) issues.push(issue('error', 'structure', `${root} does not match the FHIR JSON schema`, [root]));
  return capIssues(issues, maxIssues, more);
}

function rootName(resource: unknown): string {
  const type = (resource as { resourceType?: unknown } | null)?.resourceType;
  return typeof type === 'string' ? type : 'Resource';
}

/** `/name/0/given` under Patient → `Patient.name[0].given`. */
export function toFhirPath(root: string, instancePath: string): string {
  let out = root;
  if (!instancePath) return out;
  for (const raw of instancePath.slice(1).split('/')) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    out += /^\d+$/.test(segment) ? `[${segment}]` : `.${segment}`;
  }
  return out;
}

function toIssue(root: string, error: ErrorObject): OperationOutcomeIssue | undefined {
  const at = toFhirPath(root, error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      return issue('error', 'structure', `Unknown element '${name}' at ${at}`, [`${at}.${name}`]);
    }
    case 'required':
      return issue('error', 'required', `Missing required element '${String(params.missingProperty)}' at ${at}`, [
        `${at}.${String(params.missingProperty)}`,
      ]);
    case 'type':
      return issue('error', 'value', `Wrong type at ${at}: expected ${String(params.type)}`, [at]);
    case 'pattern':
      return issue('error', 'value', `Invalid value at ${at}: does not match the FHIR primitive format`, [at]);
    case 'const':
    case 'enum':
      return issue('error', 'value', `Invalid value at ${at}: ${error.message ?? 'not allowed'}`, [at]);
    case 'discriminator':
      return issue('error', 'structure', `Unknown or missing resourceType at ${at}`, [at]);
    case 'oneOf':
    case 'if':
      return undefined; // the branch errors say what is wrong
    default:
      return issue('error', 'invalid', `${at}: ${error.message ?? error.keyword}`, [at]);
  }
}
