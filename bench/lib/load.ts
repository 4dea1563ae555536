/** A typed wrapper of autocannon's programmatic API (the package ships no types). */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const autocannon = require('autocannon') as (options: Record<string, unknown>) => Promise<AutocannonResult>;

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  '2xx': number;
}

export interface LoadRequest {
  method?: 'GET' | 'POST' | 'PUT';
  /** Path and query. */
  path: string;
  body?: string;
  /** Called for every request to vary path and body (e.g. to rotate ids); overrides both. */
  vary?: () => { path: string; body?: string };
  headers?: Record<string, string>;
}

export interface LoadResult {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  total: number;
  errors: number;
  non2xx: number;
}

export async function load(name: string, url: string, request: LoadRequest, options: { connections: number; duration: number }): Promise<LoadResult> {
  const { vary } = request;
  const base = { method: request.method ?? 'GET', path: request.path, body: request.body, headers: request.headers ?? {} };
  const result = await autocannon({
    url,
    connections: options.connections,
    duration: options.duration,
    requests: [vary ? { ...base, setupRequest: (req: Record<string, unknown>) => ({ ...req, ...vary() }) } : base],
  });
  return {
    name,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    total: result.requests.total,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}
