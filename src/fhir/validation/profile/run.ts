import type { OperationOutcomeIssue } from 'fhir/r4';
import type { IssueCode } from '../../outcome';
import { ValidationStopped } from '../limits';

/**
 * The state of one validation of one resource against one or more trees: the issues found so
 * far (deduplicated, since a profile snapshot repeats every rule of its base definition), the
 * resource being validated (FHIRPath %resource) and the outermost one (%rootResource).
 */
export interface Run {
  issues: OperationOutcomeIssue[];
  seen: Set<string>;
  /** Canonical URL of the profile being checked; undefined for a base definition. */
  profile: string | undefined;
  resource: unknown;
  rootResource: unknown;
  /** True while probing whether an item conforms (profile discriminators): no issue is kept. */
  probing: boolean;
  errorCount: number;
  /** Report best-practice invariants (dom-6...): $validate does, writes do not. */
  bestPractice: boolean;
  /** Issues kept before the walk stops (ValidationStopped): hostile input must not cost without bound. */
  limit: number;
}

export function newRun(
  issues: OperationOutcomeIssue[],
  seen: Set<string>,
  profile: string | undefined,
  resource: unknown,
  rootResource: unknown,
  bestPractice = false,
  limit = Infinity,
): Run {
  return { issues, seen, profile, resource, rootResource, probing: false, errorCount: 0, bestPractice, limit };
}

/**
 * Records an issue once per (severity, code, location, message); throws ValidationStopped once
 * `run.limit` issues are kept. Diagnostics name the profile
 * when the rule comes from one, so a client can tell a base-definition error from a profile's.
 */
export function report(run: Run, severity: 'error' | 'warning' | 'information', code: IssueCode, message: string, location: string): void {
  if (severity === 'error') run.errorCount++;
  if (run.probing) return;
  const key = `${severity}|${code}|${location}|${message}`;
  if (run.seen.has(key)) return;
  run.seen.add(key);
  const diagnostics = run.profile ? `${message} (profile ${run.profile})` : message;
  run.issues.push({ severity, code, diagnostics, expression: [location] });
  if (run.issues.length >= run.limit) throw new ValidationStopped();
}
