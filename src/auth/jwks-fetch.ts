/**
 * Client JWKS fetched from a registered `jwks_uri`, cached no longer than its Cache-Control
 * allows (max-age, capped at one hour; no-store / no-cache / no max-age → not cached).
 */
export type Jwks = { keys: Array<Record<string, unknown>> };

const MAX_BYTES = 256 * 1024;
const MAX_CACHE_MS = 3600 * 1000;

export class JwksFetcher {
  private readonly cache = new Map<string, { jwks: Jwks; until: number }>();

  constructor(private readonly now: () => number) {}

  async get(url: string, fresh = false): Promise<Jwks> {
    const cached = this.cache.get(url);
    if (!fresh && cached && cached.until > this.now()) return cached.jwks;
    const response = await fetch(url, { headers: { accept: 'application/json' }, redirect: 'error', signal: AbortSignal.timeout(5000) });
    if (!response.ok) throw new Error(`jwks_uri answered ${response.status}`);
    const text = await response.text();
    if (text.length > MAX_BYTES) throw new Error('jwks_uri document too large');
    const jwks = JSON.parse(text) as Jwks;
    if (!jwks || !Array.isArray(jwks.keys)) throw new Error('jwks_uri did not return a JWK Set');
    const ttl = cacheMs(response.headers.get('cache-control'));
    if (ttl > 0) this.cache.set(url, { jwks, until: this.now() + ttl });
    else this.cache.delete(url);
    return jwks;
  }

  /** True when `url` was served from cache (a key miss then deserves one fresh fetch). */
  isCached(url: string): boolean {
    const cached = this.cache.get(url);
    return cached !== undefined && cached.until > this.now();
  }
}

export function cacheMs(header: string | null): number {
  if (!header) return 0;
  const directives = header.toLowerCase().split(',').map((d) => d.trim());
  if (directives.some((d) => d === 'no-store' || d === 'no-cache')) return 0;
  const maxAge = directives.find((d) => d.startsWith('max-age='));
  const seconds = maxAge ? Number(maxAge.slice('max-age='.length)) : 0;
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds * 1000, MAX_CACHE_MS) : 0;
}
