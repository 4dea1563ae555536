import { ConfigError, flagsToEnv, loadConfig, parseByteSize } from '../../src/config';

describe('configuration', () => {
  it('has documented defaults', () => {
    const c = loadConfig({}, []);
    expect(c).toEqual({
      port: 8080,
      host: '0.0.0.0',
      baseUrl: 'http://localhost:8080/fhir',
      dataDir: './data',
      mongodbServerSelectionTimeoutMs: 5000,
      mongodbTimeoutMs: 30000,
      logLevel: 'info',
      maxBodyBytes: 12 * 1024 * 1024,
      defaultPageSize: 20,
      maxPageSize: 1000,
      maxBundleEntries: 10000,
      validationMode: 'reject',
      auth: true,
      binaryMaxBytes: 100 * 1024 * 1024,
      maxBodyDrainBytes: 64 * 1024 * 1024,
      validationMaxIssues: 100,
      bundleMaxOutputResources: 10000,
      searchMaxIncluded: 1000,
      maxJsonDepth: 128,
      maxStringLength: 1024 * 1024,
      maxBodyElements: 1_000_000,
      workers: 1,
      audit: true,
      auditRetentionDays: 2190,
      auditPatientAccess: false,
      auditDurability: 'ack',
      subscriptionsPollMs: 200,
      subscriptionsLeaseMs: 30_000,
      subscriptionsRetryBaseMs: 1000,
      subscriptionsRetryMaxMs: 300_000,
      subscriptionsMaxAttempts: 8,
      subscriptionsTimeoutMs: 10_000,
      subscriptionsRefreshMs: 5000,
      subscriptionsAllowedEndpoints: [],
      subscriptionsAllowPrivate: false,
      subscriptionsRetentionMs: 604_800_000,
      bulkFileMaxResources: 50_000,
      bulkExpirySeconds: 86_400,
      bulkMaxJobsPerClient: 2,
      bulkLeaseSeconds: 60,
    });
    expect(c.mongodbUri).toBeUndefined();
  });

  it('reads env vars, flags win, BASE_URL follows PORT and loses its trailing slash', () => {
    const c = loadConfig({ PORT: '9000', AUTH: 'off', MAX_BODY_BYTES: '1mb', MONGODB_URI: 'mongodb://db:27017/x?replicaSet=rs0' }, ['--port', '9100', '--validation-mode=warn']);
    expect(c.port).toBe(9100);
    expect(c.baseUrl).toBe('http://localhost:9100/fhir');
    expect(c.auth).toBe(false);
    expect(c.maxBodyBytes).toBe(1024 * 1024);
    expect(c.validationMode).toBe('warn');
    expect(c.mongodbUri).toBe('mongodb://db:27017/x?replicaSet=rs0');
    expect(loadConfig({ BASE_URL: 'https://fhir.example.org/r4/' }, []).baseUrl).toBe('https://fhir.example.org/r4');
  });

  it('lists every invalid setting at once', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: '99999', LOG_LEVEL: 'loud', MAX_BODY_BYTES: 'lots', VALIDATION_MODE: 'maybe', BASE_URL: 'ftp://x', AUTH: 'perhaps', MONGODB_URI: 'postgres://x' }, []);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems.join('\n');
    for (const name of ['PORT', 'LOG_LEVEL', 'MAX_BODY_BYTES', 'VALIDATION_MODE', 'BASE_URL', 'AUTH', 'MONGODB_URI']) expect(problems).toContain(name);
  });

  it('reads and validates the Bulk Data export settings', () => {
    const c = loadConfig({ BULK_FILE_MAX_RESOURCES: '1000', BULK_EXPIRY: '3600', BULK_MAX_JOBS_PER_CLIENT: '5', BULK_LEASE_SECONDS: '30' }, []);
    expect([c.bulkFileMaxResources, c.bulkExpirySeconds, c.bulkMaxJobsPerClient, c.bulkLeaseSeconds]).toEqual([1000, 3600, 5, 30]);
    expect(() => loadConfig({ BULK_FILE_MAX_RESOURCES: '0' }, [])).toThrow(/BULK_FILE_MAX_RESOURCES/);
    expect(() => loadConfig({ BULK_EXPIRY: '1h' }, [])).toThrow(/BULK_EXPIRY/);
  });

  it('refuses a default page size above the maximum', () => {
    expect(() => loadConfig({ DEFAULT_PAGE_SIZE: '50', MAX_PAGE_SIZE: '10' }, [])).toThrow(/DEFAULT_PAGE_SIZE/);
  });

  it('parses sizes and flags', () => {
    expect(parseByteSize('512kb')).toBe(512 * 1024);
    expect(parseByteSize('2048')).toBe(2048);
    expect(parseByteSize('1.5MB')).toBe(1.5 * 1024 * 1024);
    expect(parseByteSize('-1')).toBeUndefined();
    expect(parseByteSize('10 parsecs')).toBeUndefined();
    expect(flagsToEnv(['--log-level', 'debug', '--auth=off', 'positional'])).toEqual({ LOG_LEVEL: 'debug', AUTH: 'off' });
  });
});
