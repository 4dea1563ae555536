import { titleOf, type CaseOptions } from './hostile-cases';
import { percentile, type CaseResult, type RoundResult } from './hostile-run';

/** The Markdown table of bench/hostile.ts: medians and maxima over the rounds of each case. */

export const STALL_TARGET_MS = 200;
export const RSS_TARGET_MB = 100;

const median = (values: number[]) => percentile(values, 50);
const ms = (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${Math.round(v)}`);
const mb = (v: number) => `${Math.round(v)}`;
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** `median / max` of a figure, or `≥ lower bound` when some rounds could not be measured. */
function medMax(
  rounds: RoundResult[],
  pick: (r: RoundResult) => number | undefined,
  format: (v: number) => string,
  lowerBound?: (r: RoundResult) => number,
): string {
  const values = rounds.map(pick).filter((v): v is number => v !== undefined);
  const missing = rounds.filter((r) => pick(r) === undefined);
  if (missing.length > 0 && lowerBound) return `≥ ${format(Math.max(...missing.map(lowerBound), ...values))}`;
  if (values.length === 0) return 'n/a';
  return values.length === 1
    ? format(values[0] as number)
    : `${format(median(values))} / ${format(Math.max(...values))}`;
}

function verdict(result: CaseResult): string {
  const { rounds } = result;
  if (rounds.length === 0) return 'not run';
  const failures: string[] = [];
  // an unreadable probe means the loop was still blocked when the client gave up: a stall by definition
  const stalls = rounds.map((r) => r.stallMs ?? Infinity);
  if (Math.max(...stalls) > STALL_TARGET_MS) failures.push('stall');
  const growth = rounds.map((r) => r.rssPeakGrowthMb ?? 0);
  if (Math.max(...growth) > RSS_TARGET_MB) failures.push('RSS');
  // hostile input deserves a clear 4xx: a 5xx, a reset connection or no answer at all is a failure too
  const badStatuses = new Set(rounds.map((r) => r.status).filter((s) => !/^[1-4]\d\d$/.test(s)));
  failures.push(...badStatuses);
  failures.push(...new Set(rounds.map((r) => r.failure).filter((f): f is string => f !== undefined)));
  return failures.length === 0 ? '✅' : `❌ ${failures.join(', ')}`;
}

function statuses(rounds: RoundResult[]): string {
  const counts = new Map<string, number>();
  for (const r of rounds) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return [...counts].map(([status, n]) => (counts.size > 1 ? `${status}×${n}` : status)).join(', ');
}

export function hostileTable(results: CaseResult[], options: CaseOptions): string {
  const lines = [
    '| # | Hostile request | Expected | Status | Rounds | Wall (ms) | Loop stall (ms) | /healthz max (ms) | /healthz p99 (ms) | RSS peak growth (MB) | RSS kept (MB) | Targets | Notes |',
    '|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---|---|',
  ];
  results.forEach((result, i) => {
    const { rounds, hostile } = result;
    const healthzBound = (r: RoundResult) => r.healthzMaxMs;
    const notes = [
      ...new Set(rounds.map((r) => r.note).filter(Boolean)),
      ...(result.problem ? [result.problem] : []),
    ].join('; ');
    lines.push(
      `| ${i + 1} | ${cell(titleOf(hostile, options))} | ${cell(hostile.expected)} | ${statuses(rounds) || 'n/a'} | ${rounds.length} | ` +
        `${medMax(rounds, (r) => r.wallMs, ms)} | ${medMax(rounds, (r) => r.stallMs, ms, healthzBound)} | ` +
        `${medMax(rounds, (r) => r.healthzMaxMs, ms)} | ${medMax(rounds, (r) => r.healthzP99Ms, ms)} | ` +
        `${medMax(rounds, (r) => r.rssPeakGrowthMb, mb)} | ${medMax(rounds, (r) => r.rssRetainedMb, mb)} | ${verdict(result)} | ${cell(notes)} |`,
    );
  });
  return lines.join('\n');
}
