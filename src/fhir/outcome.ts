import type { OperationOutcome, OperationOutcomeIssue } from 'fhir/r4';

export type IssueSeverity = OperationOutcomeIssue['severity'];
export type IssueCode = OperationOutcomeIssue['code'];

/**
 * A failure known where it happens, rendered once by the HTTP layer as an OperationOutcome.
 * `status` is the HTTP status (DESIGN.md, "Errors"); `headers` lets e.g. 401 carry WWW-Authenticate.
 */
export class FhirError extends Error {
  readonly status: number;
  readonly issues: OperationOutcomeIssue[];
  readonly headers: Record<string, string>;

  constructor(status: number, issues: OperationOutcomeIssue[] | string, headers: Record<string, string> = {}) {
    const list = typeof issues === 'string' ? [issue('error', codeForStatus(status), issues)] : issues;
    super(list.map((i) => i.diagnostics ?? i.code).join('; '));
    this.name = 'FhirError';
    this.status = status;
    this.issues = list;
    this.headers = headers;
  }

  toOperationOutcome(): OperationOutcome {
    return outcome(this.issues);
  }
}

export function issue(
  severity: IssueSeverity,
  code: IssueCode,
  diagnostics: string,
  expression?: string[],
): OperationOutcomeIssue {
  const result: OperationOutcomeIssue = { severity, code, diagnostics };
  if (expression && expression.length > 0) result.expression = expression;
  return result;
}

export function outcome(issues: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

/** An informational outcome, e.g. for `Prefer: return=OperationOutcome` on success. */
export function informational(diagnostics: string): OperationOutcome {
  return outcome([issue('information', 'informational', diagnostics)]);
}

function codeForStatus(status: number): IssueCode {
  switch (status) {
    case 400:
      return 'invalid';
    case 401:
      return 'login';
    case 403:
      return 'forbidden';
    case 404:
      return 'not-found';
    case 405:
      return 'not-supported';
    case 406:
    case 415:
      return 'not-supported';
    case 409:
    case 412:
      return 'conflict';
    case 410:
      return 'deleted';
    case 413:
      return 'too-costly';
    case 422:
      return 'processing';
    default:
      return status >= 500 ? 'exception' : 'processing';
  }
}

export const badRequest = (msg: string, expression?: string[]) =>
  new FhirError(400, [issue('error', 'invalid', msg, expression)]);
export const notFound = (msg: string) => new FhirError(404, [issue('error', 'not-found', msg)]);
export const gone = (msg: string) => new FhirError(410, [issue('error', 'deleted', msg)]);
export const conflict = (msg: string) => new FhirError(409, [issue('error', 'conflict', msg)]);
export const preconditionFailed = (msg: string) => new FhirError(412, [issue('error', 'conflict', msg)]);
export const forbidden = (msg: string) => new FhirError(403, [issue('error', 'forbidden', msg)]);
export const notSupported = (msg: string) => new FhirError(405, [issue('error', 'not-supported', msg)]);
export const unprocessable = (issues: OperationOutcomeIssue[]) => new FhirError(422, issues);
