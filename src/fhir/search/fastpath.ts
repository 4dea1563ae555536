import r4model from 'fhirpath/fhir-context/r4';

/**
 * A fast evaluator for the simple FHIRPath shapes that make up most SearchParameter expressions:
 * `Type.a.b`, choice elements (`Observation.effective`), `.ofType(T)` on a choice, and the
 * `.where(reference is Type)` filter produced from `resolve() is Type`, `.where(field='literal')` on
 * a primitive string-like field (`telecom.where(system='email')`), and Patient's `deceased`
 * flag (`deceased.exists() and deceased != false`). Anything else returns
 * undefined and is evaluated by the HL7 `fhirpath` engine. Walking plain JSON keys is ~20x faster
 * than the general engine, which keeps write-time indexing cheap; test/search/fastpath.test.ts
 * checks that both give the same values on every HL7 example resource.
 */
type Step = { keys: string[] } | { refType: string } | { field: string; equals: string };
type Evaluator = (node: unknown) => unknown[];

interface Model {
  type2Parent: Record<string, string>;
  choiceTypePaths: Record<string, string[]>;
  path2Type: Record<string, string>;
  pathsDefinedElsewhere: Record<string, string>;
}
const model = r4model as unknown as Model;
const CONTAINERS = new Set(['BackboneElement', 'Element']);

const STEP_RE =
  /^\.(?:ofType\(([A-Za-z]+)\)|where\(\(reference\.startsWith\('([A-Za-z]+)\/'\) or reference\.contains\('\/([A-Za-z]+)\/'\)\)\)|where\(([a-zA-Z]+)='([A-Za-z0-9\-.]+)'\)|([a-zA-Z]+))/;
/** Primitive types compared as plain JSON strings by FHIRPath `=` (equal text, no normalisation). */
const STRING_LIKE = new Set(['code', 'string', 'uri', 'id']);

const capitalize = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

/** True when choice type `type` (as in choiceTypePaths: `Canonical`, `Age`) is `target` or derives from it. */
function isA(type: string, target: string): boolean {
  const wanted = target.toLowerCase();
  for (let t: string | undefined = type; t; t = model.type2Parent[t] ?? model.type2Parent[lowerFirst(t)]) {
    if (t.toLowerCase() === wanted) return true;
    if (t === 'Element' || t === 'Resource') return false;
  }
  return false;
}

/** Steps of one union branch, or undefined when the branch is not a simple path. */
function compileSteps(relative: string, basePath: string): Step[] | undefined {
  let rest = relative;
  let typePath = basePath;
  const steps: Step[] = [];
  let pendingChoice: { name: string; types: string[] } | undefined;
  while (rest.length > 0) {
    const m = STEP_RE.exec(rest);
    if (!m) return undefined;
    rest = rest.slice(m[0].length);
    const [, ofType, refA, refB, whereField, whereValue, name] = m;
    if (ofType !== undefined) {
      if (!pendingChoice) return undefined;
      // ofType(T) also selects subtypes (uri: canonical; Quantity: Age, Duration, ...), as FHIRPath does.
      const matches = pendingChoice.types.filter((t) => isA(t, ofType));
      steps.pop();
      if (matches.length === 0) return undefined;
      const name = pendingChoice.name;
      steps.push({ keys: matches.map((t) => name + capitalize(t)) });
      typePath = ofType.charAt(0) === ofType.charAt(0).toLowerCase() ? `System.${ofType}` : ofType;
      pendingChoice = undefined;
      continue;
    }
    if (pendingChoice) return undefined;
    if (refA !== undefined) {
      if (refA !== refB) return undefined;
      steps.push({ refType: refA });
      continue;
    }
    if (whereField !== undefined) {
      if (!STRING_LIKE.has(model.path2Type[`${typePath}.${whereField}`] ?? '')) return undefined;
      steps.push({ field: whereField, equals: whereValue as string });
      continue;
    }
    const path = `${typePath}.${name as string}`;
    const choices = model.choiceTypePaths[path];
    if (choices) {
      pendingChoice = { name: name as string, types: choices };
      steps.push({ keys: choices.map((t) => (name as string) + t) });
      typePath = path;
      continue;
    }
    const elementType = model.path2Type[path];
    const elsewhere = model.pathsDefinedElsewhere[path];
    if (elsewhere) typePath = elsewhere;
    else if (elementType === undefined) return undefined;
    else typePath = CONTAINERS.has(elementType) ? path : elementType;
    steps.push({ keys: [name as string] });
  }
  return steps;
}

function run(steps: Step[], resource: unknown): unknown[] {
  let current: unknown[] = [resource];
  for (const step of steps) {
    const next: unknown[] = [];
    if ('field' in step) {
      for (const item of current) if ((item as Record<string, unknown>)[step.field] === step.equals) next.push(item);
    } else if ('refType' in step) {
      const prefix = `${step.refType}/`;
      const inner = `/${step.refType}/`;
      for (const item of current) {
        const ref = (item as { reference?: unknown }).reference;
        if (typeof ref === 'string' && (ref.startsWith(prefix) || ref.includes(inner))) next.push(item);
      }
    } else {
      for (const item of current) {
        if (typeof item !== 'object' || item === null) continue;
        for (const key of step.keys) {
          const value = (item as Record<string, unknown>)[key];
          if (value === undefined || value === null) continue;
          if (Array.isArray(value)) {
            for (const v of value) if (v !== null && v !== undefined) next.push(v);
          } else {
            next.push(value);
          }
        }
      }
    }
    current = next;
    if (current.length === 0) break;
  }
  return current;
}

/** A fast evaluator for a union of simple branches rooted at `type`, or undefined. */
export function compileFastPath(type: string, branches: string[]): Evaluator | undefined {
  const flag = branches.length === 1 ? existsAndNotFalse(type, (branches[0] as string).trim()) : undefined;
  if (flag) return flag;
  const compiled: Step[][] = [];
  for (const raw of branches) {
    const branch = raw.trim();
    const steps = branch === type ? [] : branch.startsWith(`${type}.`) ? compileSteps(branch.slice(type.length), type) : undefined;
    if (!steps) return undefined;
    compiled.push(steps);
  }
  return evaluatorOf(compiled);
}

/** A fast evaluator for `expression` relative to an element at model path `basePath` (composite components). */
export function compileFastRelative(expression: string, basePath: string): Evaluator | undefined {
  const compiled: Step[][] = [];
  for (const raw of expression.split('|')) {
    const steps = compileSteps(`.${raw.trim()}`, basePath);
    if (!steps) return undefined;
    compiled.push(steps);
  }
  return evaluatorOf(compiled);
}

/**
 * `T.x.exists() and T.x != false` over a boolean-or-other choice (Patient.deceased): `[true]` when
 * x is present and not the boolean false (a deceasedDateTime counts), `[false]` otherwise.
 */
function existsAndNotFalse(type: string, expression: string): Evaluator | undefined {
  const m = /^([A-Za-z]+)\.([a-z][A-Za-z]*)\.exists\(\) and ([A-Za-z]+)\.([a-z][A-Za-z]*) != false$/.exec(expression);
  if (!m || m[1] !== type || m[3] !== type || m[2] !== m[4]) return undefined;
  const choices = model.choiceTypePaths[`${type}.${m[2]}`];
  if (!choices?.includes('Boolean')) return undefined;
  const keys = choices.map((t) => (m[2] as string) + t);
  const booleanKey = `${m[2]}Boolean`;
  return (resource) => {
    const node = resource as Record<string, unknown>;
    for (const key of keys) {
      const value = node[key];
      if (value === undefined || value === null) continue;
      return [!(key === booleanKey && value === false)];
    }
    return [false];
  };
}

function evaluatorOf(compiled: Step[][]): Evaluator {
  if (compiled.length === 1) {
    const only = compiled[0] as Step[];
    return (resource) => run(only, resource);
  }
  return (resource) => compiled.flatMap((steps) => run(steps, resource));
}
