import type { FhirSettings } from './request';

/**
 * The bounds on work proportional to hostile input, with their defaults. DESIGN.md: the event loop
 * is shared by every client, so a request that would cost without bound gets a 4xx or a partial
 * result that says so.
 */
export interface FhirLimits {
  validationMaxIssues: number;
  bundleMaxOutputResources: number;
  searchMaxIncluded: number;
}

export const DEFAULT_LIMITS: Readonly<FhirLimits> = {
  validationMaxIssues: 100,
  // 10 000 reads (a full MAX_BUNDLE_ENTRIES batch of reads), or 10 pages of 1 000
  bundleMaxOutputResources: 10000,
  searchMaxIncluded: 1000,
};

export function limitsOf(settings: Pick<FhirSettings, keyof FhirLimits>): FhirLimits {
  return {
    validationMaxIssues: settings.validationMaxIssues ?? DEFAULT_LIMITS.validationMaxIssues,
    bundleMaxOutputResources: settings.bundleMaxOutputResources ?? DEFAULT_LIMITS.bundleMaxOutputResources,
    searchMaxIncluded: settings.searchMaxIncluded ?? DEFAULT_LIMITS.searchMaxIncluded,
  };
}
