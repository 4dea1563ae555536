import type { LoadResult } from './load';

const ratio = (value: number, reference: number) => (reference > 0 ? `${Math.round((value / reference) * 100)} %` : 'n/a');

/** One row per scenario: req/s, latency percentiles and throughput relative to both references. */
export function markdownTable(results: LoadResult[], nodeRef: LoadResult, expressRef: LoadResult): string {
  const lines = [
    '| Scenario | req/s | p50 (ms) | p99 (ms) | vs node:http | vs Express 5 | non-2xx | errors |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const r of results) {
    lines.push(`| ${r.name} | ${Math.round(r.rps)} | ${r.p50} | ${r.p99} | ${ratio(r.rps, nodeRef.rps)} | ${ratio(r.rps, expressRef.rps)} | ${r.non2xx} | ${r.errors} |`);
  }
  return lines.join('\n');
}
