import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { composeServer } from '../../src/compose';
import { loadConfig } from '../../src/config';

/**
 * Closing the composed store stops every background worker first (subscription delivery, export
 * jobs, audit purge, revocation polling): nothing polls a closed store afterwards — which the
 * WORKERS primary relies on, as it closes its store right after the start-up work.
 */
jest.setTimeout(180_000);

it('after store.close(), no background work touches the store (nothing is logged while the timers would fire)', async () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'telefhir-close-'));
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const previous = process.env['AUTH_REVOCATION_POLL_MS'];
  process.env['AUTH_REVOCATION_POLL_MS'] = '20';
  try {
    const config = loadConfig({ DATA_DIR: dataDir, AUTH: 'on', LOG_LEVEL: 'warn', SUBSCRIPTIONS_POLL_MS: '20' }, []);
    const composed = await composeServer(config, pino({ level: 'warn' }, sink), { ADMIN_CLIENT_SECRET: 'close-test-secret-0123456789' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const before = lines.length;
    await composed.store.close();
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(lines.slice(before)).toEqual([]);
  } finally {
    if (previous === undefined) delete process.env['AUTH_REVOCATION_POLL_MS'];
    else process.env['AUTH_REVOCATION_POLL_MS'] = previous;
    rmSync(dataDir, { recursive: true, force: true });
  }
});
