import request from 'supertest';
import { purgeAuditRecords } from '../../src/audit';
import { ConfigError, loadConfig } from '../../src/config';
import { eventsOf, startAuditedServer, storedEvents, type AuditedServer } from './harness';

/** AUDIT_RETENTION_DAYS: records older than the period are purged (current and history), newer ones kept. */
let s: AuditedServer;
beforeAll(async () => (s = await startAuditedServer()), 180_000);
afterAll(() => s.close());

const DAY = 24 * 3600 * 1000;

it('purges records past the retention period only, with their history', async () => {
  const events = await eventsOf(s.store, () => request(s.app).get('/fhir/Patient?name=x').set('Authorization', `Bearer ${s.adminToken}`).expect(200));
  expect(events).toHaveLength(1);
  const id = events[0]?.id as string;
  const total = (await storedEvents(s.store)).length;
  expect(await purgeAuditRecords(s.store, 30)).toBe(0);
  expect((await storedEvents(s.store)).length).toBe(total);

  expect(await purgeAuditRecords(s.store, 30, Date.now() + 31 * DAY)).toBe(total);
  expect(await storedEvents(s.store)).toEqual([]);
  // and the admin's read of the purged record is recorded as a failed read (404), not an error
  const read = await eventsOf(s.store, () => request(s.app).get(`/fhir/AuditEvent/${id}`).set('Authorization', `Bearer ${s.adminToken}`).expect(404));
  expect(read[0]?.outcome).toBe('4');
});

it('AUDIT_DURABILITY=async records every request too, committed in the background', async () => {
  const fast = await startAuditedServer({ durability: 'async' });
  try {
    const before = (await storedEvents(fast.store)).length;
    await Promise.all(Array.from({ length: 10 }, () => request(fast.app).get('/fhir/Patient?name=y').set('Authorization', `Bearer ${fast.adminToken}`).expect(200)));
    for (let wait = 0; wait < 200 && (await storedEvents(fast.store)).length < before + 10; wait++) await new Promise((resolve) => setTimeout(resolve, 50));
    const after = await storedEvents(fast.store);
    expect(after.length).toBe(before + 10);
    expect(after.slice(-10).every((e) => e.subtype?.[0]?.code === 'search-type')).toBe(true);
  } finally {
    await fast.close();
  }
});

describe('audit settings', () => {
  it('default: on, six years of retention, no patient access', () => {
    const config = loadConfig({}, []);
    expect([config.audit, config.auditRetentionDays, config.auditPatientAccess, config.auditDurability]).toEqual([true, 2190, false, 'ack']);
  });
  it('reads AUDIT, AUDIT_RETENTION_DAYS and AUDIT_PATIENT_ACCESS, and refuses bad values', () => {
    const config = loadConfig({ AUDIT: 'off', AUDIT_RETENTION_DAYS: '0', AUDIT_PATIENT_ACCESS: 'on', AUDIT_DURABILITY: 'async' }, []);
    expect([config.audit, config.auditRetentionDays, config.auditPatientAccess, config.auditDurability]).toEqual([false, 0, true, 'async']);
    expect(() => loadConfig({ AUDIT_RETENTION_DAYS: '-5' }, [])).toThrow(ConfigError);
    expect(() => loadConfig({ AUDIT: 'maybe' }, [])).toThrow(/AUDIT must be one of/);
  });
});
