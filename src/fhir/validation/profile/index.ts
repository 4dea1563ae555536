import type { OperationOutcomeIssue, Resource } from 'fhir/r4';
import { issue } from '../../outcome';
import { capIssues, DEFAULT_MAX_ISSUES, ValidationStopped } from '../limits';
import { profilesOfType, structureDefinition } from '../../definitions/structure-definitions';
import { baseTreeOf, treeOf } from './element-tree';
import { newRun } from './run';
import { validateTree } from './walker';

export { skippedInvariants } from './invariants';

/**
 * Profile validation beyond the JSON schema: StructureDefinition cardinality, fixed/pattern values,
 * slicing, required bindings, FHIRPath invariants — against the base definition of the type and
 * every known profile in meta.profile (an unknown profile is a warning).
 */
export interface ProfileValidationOptions {
  /** Further profiles to check the resource against (e.g. the `profile` parameter of $validate). */
  profiles?: readonly string[];
  /** Also report HL7 best-practice invariants such as dom-6 (narrative): on for $validate, off on writes. */
  bestPractice?: boolean;
  /**
   * Check `profiles` only, not the base definition nor meta.profile: for a caller that adds a
   * profile to a resource the write path has already validated (the base checks would repeat).
   */
  onlyRequested?: boolean;
  /** Stop after this many issues and say so (VALIDATION_MAX_ISSUES); default DEFAULT_MAX_ISSUES. */
  maxIssues?: number;
}

export function validateProfiles(resource: Resource, options: ProfileValidationOptions = {}): OperationOutcomeIssue[] {
  const issues: OperationOutcomeIssue[] = [];
  const maxIssues = options.maxIssues ?? DEFAULT_MAX_ISSUES;
  try {
    collectProfileIssues(resource, options, issues, maxIssues);
  } catch (error) {
    if (!(error instanceof ValidationStopped)) throw error;
    return capIssues(issues, maxIssues, true);
  }
  return capIssues(issues, maxIssues);
}

function collectProfileIssues(resource: Resource, options: ProfileValidationOptions, issues: OperationOutcomeIssue[], maxIssues: number): void {
  const type = (resource as { resourceType?: unknown }).resourceType;
  if (typeof type !== 'string') {
    issues.push(issue('error', 'structure', 'A resource needs a resourceType'));
    return;
  }
  const base = baseTreeOf(type);
  if (!base) {
    issues.push(issue('error', 'structure', `Unknown resource type '${type}'`, ['resourceType']));
    return;
  }
  const seen = new Set<string>();
  const record = resource as unknown as Record<string, unknown>;
  if (!options.onlyRequested) validateTree(base, record, newRun(issues, seen, undefined, record, record, options.bestPractice, maxIssues));

  const claimed = Array.isArray(resource.meta?.profile) ? resource.meta.profile : [];
  const requested: Array<{ url: string; location: string }> = options.onlyRequested
    ? []
    : claimed.map((url, i) => ({ url, location: `${type}.meta.profile[${i}]` }));
  for (const url of options.profiles ?? []) if (options.onlyRequested || !claimed.includes(url)) requested.push({ url, location: type });
  for (const { url, location } of requested) {
    if (issues.length >= maxIssues) throw new ValidationStopped();
    if (typeof url !== 'string') continue;
    const tree = treeOf(url);
    if (!tree) {
      const known = structureDefinition(url) !== undefined;
      const why = known ? 'cannot be compiled by this server' : 'is not known to this server';
      issues.push(issue('warning', 'not-supported', `Profile ${url} ${why}: the resource was not validated against it`, [location]));
      continue;
    }
    if (tree.type !== type) {
      issues.push(issue('error', 'structure', `Profile ${url} constrains ${tree.type}, not ${type}`, [location]));
      continue;
    }
    validateTree(tree, record, newRun(issues, seen, url, record, record, options.bestPractice, maxIssues));
  }
}

/**
 * Loads the definitions and compiles the trees of the shipped profiles and of the most written
 * types, so that the first write does not pay for it (~0.5 s). Call once at start.
 */
export function warmUpProfileValidator(types: readonly string[] = ['Patient', 'Observation', 'Encounter', 'Appointment']): void {
  for (const type of types) {
    baseTreeOf(type);
    for (const url of supportedProfiles(type)) treeOf(url);
  }
  validateProfiles({ resourceType: 'Observation', status: 'final', code: { text: 'warm-up' }, valueQuantity: { value: 1 } } as Resource);
}

/** Canonical URLs of the profiles the server validates against (listed in the CapabilityStatement). */
export function supportedProfiles(resourceType: string): string[] {
  return profilesOfType(resourceType)
    .map((sd) => sd.url)
    .filter((url) => treeOf(url) !== undefined)
    .sort();
}
