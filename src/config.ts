/**
 * Every Telefhir setting, read once from environment variables (or `--flag value` /
 * `--flag=value` command-line equivalents, which win) and validated before anything starts.
 * An invalid setting stops the server with a message naming the variable and what it expects.
 */

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface Config {
  /** PORT: TCP port to listen on (8080). 0 picks a free port. */
  port: number;
  /** HOST: interface to bind (0.0.0.0). */
  host: string;
  /** BASE_URL: absolute public FHIR base URL, no trailing slash (http://localhost:PORT/fhir). */
  baseUrl: string;
  /** DATA_DIR: directory of the embedded store's journal and blobs (./data). */
  dataDir: string;
  /** MONGODB_URI: when set, MongoDB (a replica set) replaces the embedded store. */
  mongodbUri?: string;
  /** MONGODB_SERVER_SELECTION_TIMEOUT_MS: how long a request waits for a usable MongoDB server before 503 (5000). */
  mongodbServerSelectionTimeoutMs: number;
  /** MONGODB_TIMEOUT_MS: time limit of every MongoDB operation, retries included; 0 = none (30000). */
  mongodbTimeoutMs: number;
  /** LOG_LEVEL: pino level (info); `silent` logs nothing. */
  logLevel: LogLevel;
  /** MAX_BODY_BYTES: largest JSON request body (12 MB: MongoDB's 16 MB document limit minus a margin); larger → 413. */
  maxBodyBytes: number;
  /** DEFAULT_PAGE_SIZE: search page size when `_count` is absent (20). */
  defaultPageSize: number;
  /** MAX_PAGE_SIZE: largest honoured `_count` (1000). */
  maxPageSize: number;
  /** MAX_BUNDLE_ENTRIES: largest batch/transaction (10000). */
  maxBundleEntries: number;
  /** VALIDATION_MODE: `reject` invalid writes with 422, or `warn` and accept them (reject). */
  validationMode: 'reject' | 'warn';
  /** AUTH: `on` (SMART authorization required) or `off` (every caller unrestricted) (on). */
  auth: boolean;
  /** BINARY_MAX_BYTES: largest raw Binary upload (100 MB). */
  binaryMaxBytes: number;

  // Hostile input: every request body is bounded before any work proportional to it is done.
  /**
   * MAX_BODY_DRAIN_BYTES: a refused (413) or unread request body is still read and thrown away up
   * to this size (64 MB), so the client reads the answer; past it the connection is closed.
   */
  maxBodyDrainBytes: number;
  // Bounds on work proportional to hostile input (the event loop is shared by every client).
  /** VALIDATION_MAX_ISSUES: issues a validation reports before it stops and says so (100). */
  validationMaxIssues: number;
  /** BUNDLE_MAX_OUTPUT_RESOURCES: resources a batch/transaction response may carry in all (10000). */
  bundleMaxOutputResources: number;
  /** SEARCH_MAX_INCLUDED: resources _include/_revinclude add to one search page (1000). */
  searchMaxIncluded: number;
  /** MAX_JSON_DEPTH: deepest nesting of JSON objects/arrays in a request body (128); deeper → 400. */
  maxJsonDepth: number;
  /**
   * MAX_STRING_LENGTH: longest string value in a request body, in characters (1048576, FHIR's own
   * cap for string and markdown); longer → 400 too-long. base64Binary elements (`data`, ...) are
   * bounded by MAX_BODY_BYTES only.
   */
  maxStringLength: number;
  /** MAX_BODY_ELEMENTS: most JSON values in one request body (1000000); more → 413 too-costly. */
  maxBodyElements: number;
  /** WORKERS: server processes on this machine (1); more than one needs MONGODB_URI (src/cluster.ts). */
  workers: number;

  // The audit trail (src/audit)
  /** AUDIT: `on` records an AuditEvent for every FHIR interaction and authorization event, `off` records nothing (on). */
  audit: boolean;
  /** AUDIT_RETENTION_DAYS: audit records older than this are purged hourly; 0 keeps them forever (2190, six years). */
  auditRetentionDays: number;
  /** AUDIT_PATIENT_ACCESS: `on` lets a patient-scoped app granted patient/AuditEvent.rs read its patient's records (off). */
  auditPatientAccess: boolean;
  /** AUDIT_DURABILITY: `ack` answers once the request's audit record is durable; `async` commits it in the background (ack). */
  auditDurability: 'ack' | 'async';

  // Subscriptions (README "Subscriptions")
  /** SUBSCRIPTIONS_POLL_MS: how often the delivery worker looks for due notifications (200). */
  subscriptionsPollMs: number;
  /** SUBSCRIPTIONS_LEASE_MS: how long an instance holds a claimed notification before another may retry it (30000). */
  subscriptionsLeaseMs: number;
  /** SUBSCRIPTIONS_RETRY_BASE_MS: first retry delay, doubled after each failure (1000). */
  subscriptionsRetryBaseMs: number;
  /** SUBSCRIPTIONS_RETRY_MAX_MS: longest delay between attempts (300000). */
  subscriptionsRetryMaxMs: number;
  /** SUBSCRIPTIONS_MAX_ATTEMPTS: failed attempts before a subscription goes to `error` (8). */
  subscriptionsMaxAttempts: number;
  /** SUBSCRIPTIONS_TIMEOUT_MS: time limit of one delivery request (10000). */
  subscriptionsTimeoutMs: number;
  /** SUBSCRIPTIONS_REFRESH_MS: reload of subscriptions written by other instances (5000). */
  subscriptionsRefreshMs: number;
  /** SUBSCRIPTIONS_ALLOWED_ENDPOINTS: comma-separated URL prefixes endpoints must start with (empty: any allowed address). */
  subscriptionsAllowedEndpoints: string[];
  /** SUBSCRIPTIONS_ALLOW_PRIVATE: allow loopback/private endpoint addresses (default: true only when AUTH=off). */
  subscriptionsAllowPrivate: boolean;
  /** SUBSCRIPTIONS_RETENTION_MS: how long delivered notifications are kept for $events (7 days). */
  subscriptionsRetentionMs: number;

  // Bulk Data export ($export)
  /** BULK_FILE_MAX_RESOURCES: resources per NDJSON output file; a type with more is split (50000). */
  bulkFileMaxResources: number;
  /** BULK_EXPIRY: seconds a finished export (manifest and files) stays available (86400). */
  bulkExpirySeconds: number;
  /** BULK_MAX_JOBS_PER_CLIENT: unfinished exports one client may have at a time; more → 429 (2). */
  bulkMaxJobsPerClient: number;
  /** BULK_LEASE_SECONDS: how long an instance owns a running export without renewing it (60). */
  bulkLeaseSeconds: number;
  /**
   * VALIDATOR_CACHE_DIR: where the compiled schema validator is kept between starts (default:
   * node_modules/.cache/telefhir, else a private directory under the OS temp dir); `off`: compile
   * it in memory at every start (~2 s).
   */
  validatorCacheDir?: string | null;
}

/** Mirrors http/app.ts DEFAULT_MAX_BODY_BYTES (config.ts imports nothing from the layers). */
const DEFAULT_MAX_BODY_BYTES = 12 * 1024 ** 2;

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

type Source = Record<string, string | undefined>;

/** `--max-body-bytes 1mb` and `--max-body-bytes=1mb` → MAX_BODY_BYTES. */
export function flagsToEnv(argv: readonly string[]): Source {
  const out: Source = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    const name = (eq >= 0 ? arg.slice(2, eq) : arg.slice(2)).replace(/-/g, '_').toUpperCase();
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else if (i + 1 < argv.length && !(argv[i + 1] as string).startsWith('--')) value = argv[++i];
    else value = 'true';
    out[name] = value;
  }
  return out;
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2, gb: 1024 ** 3, g: 1024 ** 3 };

/** `16777216`, `16mb`, `512kb`, `1gb` → bytes (binary multiples). */
export function parseByteSize(raw: string): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(raw);
  if (!match) return undefined;
  const unit = SIZE_UNITS[(match[2] ?? '').toLowerCase()];
  if (unit === undefined) return undefined;
  const value = Math.floor(Number(match[1]) * unit);
  return Number.isSafeInteger(value) && value > 0 ? value : undefined;
}

/** Reads and validates the configuration; throws ConfigError listing every problem at once. */
export function loadConfig(env: Source = process.env, argv: readonly string[] = process.argv.slice(2)): Config {
  const source: Source = { ...env, ...flagsToEnv(argv) };
  const problems: string[] = [];
  const get = (name: string): string | undefined => {
    const value = source[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < min || value > max) {
      problems.push(`${name} must be an integer between ${min} and ${max}, got '${raw}'`);
      return fallback;
    }
    return value;
  };
  const bytes = (name: string, fallback: number): number => {
    const raw = get(name);
    if (raw === undefined) return fallback;
    const value = parseByteSize(raw);
    if (value === undefined) problems.push(`${name} must be a size such as 1048576, 512kb or 16mb, got '${raw}'`);
    return value ?? fallback;
  };
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = get(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name} must be one of ${allowed.join(', ')}, got '${raw}'`);
      return fallback;
    }
    return raw as T;
  };

  const port = integer('PORT', 8080, 0, 65535);
  const host = get('HOST') ?? '0.0.0.0';
  const baseUrl = (get('BASE_URL') ?? `http://localhost:${port}/fhir`).replace(/\/+$/, '');
  if (!isHttpUrl(baseUrl)) problems.push(`BASE_URL must be an absolute http(s) URL without query or fragment, got '${baseUrl}'`);
  const mongodbUri = get('MONGODB_URI');
  if (mongodbUri !== undefined && !/^mongodb(\+srv)?:\/\//.test(mongodbUri)) {
    problems.push('MONGODB_URI must start with mongodb:// or mongodb+srv://');
  }
  const defaultPageSize = integer('DEFAULT_PAGE_SIZE', 20, 1, 100000);
  const maxPageSize = integer('MAX_PAGE_SIZE', 1000, 1, 100000);
  if (defaultPageSize > maxPageSize) problems.push(`DEFAULT_PAGE_SIZE (${defaultPageSize}) must not exceed MAX_PAGE_SIZE (${maxPageSize})`);
  const workers = integer('WORKERS', 1, 1, 256);
  if (workers > 1 && mongodbUri === undefined) {
    problems.push(`WORKERS=${workers} needs MONGODB_URI: the embedded store is the files of one process (DATA_DIR); run WORKERS=1 or use MongoDB`);
  }
  const authRaw = oneOf('AUTH', ['on', 'off', 'true', 'false', '1', '0'], 'on');

  const config: Config = {
    port,
    host,
    baseUrl,
    dataDir: get('DATA_DIR') ?? './data',
    mongodbServerSelectionTimeoutMs: integer('MONGODB_SERVER_SELECTION_TIMEOUT_MS', 5000, 100, 600000),
    mongodbTimeoutMs: integer('MONGODB_TIMEOUT_MS', 30000, 0, 3600000),
    logLevel: oneOf('LOG_LEVEL', LOG_LEVELS, 'info'),
    maxBodyBytes: bytes('MAX_BODY_BYTES', DEFAULT_MAX_BODY_BYTES),
    defaultPageSize,
    maxPageSize,
    maxBundleEntries: integer('MAX_BUNDLE_ENTRIES', 10000, 1, 1000000),
    validationMode: oneOf('VALIDATION_MODE', ['reject', 'warn'] as const, 'reject'),
    auth: authRaw === 'on' || authRaw === 'true' || authRaw === '1',
    binaryMaxBytes: bytes('BINARY_MAX_BYTES', 100 * 1024 ** 2),
    // hostile input (see the Config comments)
    maxBodyDrainBytes: bytes('MAX_BODY_DRAIN_BYTES', 64 * 1024 ** 2),
    // bounds on work proportional to hostile input
    validationMaxIssues: integer('VALIDATION_MAX_ISSUES', 100, 1, 100000),
    bundleMaxOutputResources: integer('BUNDLE_MAX_OUTPUT_RESOURCES', 10000, 1, 10000000),
    searchMaxIncluded: integer('SEARCH_MAX_INCLUDED', 1000, 0, 1000000),
    maxJsonDepth: integer('MAX_JSON_DEPTH', 128, 8, 10000),
    maxStringLength: integer('MAX_STRING_LENGTH', 1024 * 1024, 1024, 1024 ** 3),
    maxBodyElements: integer('MAX_BODY_ELEMENTS', 1_000_000, 1000, 100_000_000),
    workers,
    audit: onOff(oneOf('AUDIT', ['on', 'off', 'true', 'false', '1', '0'], 'on')),
    auditRetentionDays: integer('AUDIT_RETENTION_DAYS', 2190, 0, 100000),
    auditPatientAccess: onOff(oneOf('AUDIT_PATIENT_ACCESS', ['on', 'off', 'true', 'false', '1', '0'], 'off')),
    auditDurability: oneOf('AUDIT_DURABILITY', ['ack', 'async'] as const, 'ack'),
    // subscriptions
    subscriptionsPollMs: integer('SUBSCRIPTIONS_POLL_MS', 200, 10, 600_000),
    subscriptionsLeaseMs: integer('SUBSCRIPTIONS_LEASE_MS', 30_000, 100, 3_600_000),
    subscriptionsRetryBaseMs: integer('SUBSCRIPTIONS_RETRY_BASE_MS', 1000, 1, 3_600_000),
    subscriptionsRetryMaxMs: integer('SUBSCRIPTIONS_RETRY_MAX_MS', 300_000, 1, 86_400_000),
    subscriptionsMaxAttempts: integer('SUBSCRIPTIONS_MAX_ATTEMPTS', 8, 1, 1000),
    subscriptionsTimeoutMs: integer('SUBSCRIPTIONS_TIMEOUT_MS', 10_000, 100, 600_000),
    subscriptionsRefreshMs: integer('SUBSCRIPTIONS_REFRESH_MS', 5000, 100, 3_600_000),
    subscriptionsAllowedEndpoints: (get('SUBSCRIPTIONS_ALLOWED_ENDPOINTS') ?? '').split(',').map((p) => p.trim()).filter((p) => p !== ''),
    subscriptionsAllowPrivate: false,
    subscriptionsRetentionMs: integer('SUBSCRIPTIONS_RETENTION_MS', 7 * 24 * 3600 * 1000, 1000, 3650 * 24 * 3600 * 1000),
    bulkFileMaxResources: integer('BULK_FILE_MAX_RESOURCES', 50_000, 1, 10_000_000),
    bulkExpirySeconds: integer('BULK_EXPIRY', 86_400, 1, 365 * 86_400),
    bulkMaxJobsPerClient: integer('BULK_MAX_JOBS_PER_CLIENT', 2, 1, 1000),
    bulkLeaseSeconds: integer('BULK_LEASE_SECONDS', 60, 1, 3600),
  };
  const allowPrivate = oneOf('SUBSCRIPTIONS_ALLOW_PRIVATE', ['true', 'false', 'on', 'off', '1', '0'], config.auth ? 'false' : 'true');
  config.subscriptionsAllowPrivate = allowPrivate === 'true' || allowPrivate === 'on' || allowPrivate === '1';
  if (mongodbUri !== undefined) config.mongodbUri = mongodbUri;
  const validatorCacheDir = get('VALIDATOR_CACHE_DIR');
  if (validatorCacheDir !== undefined && validatorCacheDir !== '') config.validatorCacheDir = validatorCacheDir === 'off' ? null : validatorCacheDir;
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}

function onOff(value: string): boolean {
  return value === 'on' || value === 'true' || value === '1';
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}
