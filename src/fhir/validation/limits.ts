import type { OperationOutcomeIssue } from 'fhir/r4';
import { DEFAULT_LIMITS } from '../limits';
import { issue } from '../outcome';

/**
 * Validation reports at most this many issues by default (VALIDATION_MAX_ISSUES). A hostile body
 * can carry one error per two bytes (`"given":[1,1,1,…]`): collecting, converting and serialising
 * all of them held the event loop for seconds and built outcomes of hundreds of megabytes.
 */
export const DEFAULT_MAX_ISSUES = DEFAULT_LIMITS.validationMaxIssues;

/** Thrown by the profile walker when the issue limit is reached: nothing after it is checked. */
export class ValidationStopped extends Error {
  constructor() {
    super('validation stopped: issue limit reached');
    this.name = 'ValidationStopped';
  }
}

const STOPPED_PREFIX = 'Validation stopped after';

/** The extra issue that tells the client the list is incomplete. */
export function stoppedIssue(reported: number): OperationOutcomeIssue {
  return issue(
    'warning',
    'too-costly',
    `${STOPPED_PREFIX} ${reported} issues: the resource may have more problems than listed here; fix these and validate again`,
  );
}

export const isStoppedIssue = (i: OperationOutcomeIssue): boolean => i.code === 'too-costly' && (i.diagnostics ?? '').startsWith(STOPPED_PREFIX);

/** The first `max` issues, plus the stopped notice when some were left out (or `stopped` says the check ended early). */
export function capIssues(issues: OperationOutcomeIssue[], max: number, stopped = false): OperationOutcomeIssue[] {
  const kept = issues.filter((i) => !isStoppedIssue(i));
  if (kept.length <= max && !stopped && kept.length === issues.length) return issues;
  const head = kept.slice(0, max);
  return [...head, stoppedIssue(head.length)];
}
