import { printSeedHintIfEmpty } from '../../src/telehealth';
import { call, openTestContext } from '../core/helpers';

describe('printSeedHintIfEmpty', () => {
  it('prints how to seed on an empty store, and nothing once a Patient exists', async () => {
    const server = await openTestContext();
    const lines: string[] = [];
    const log = { info: (line: string) => lines.push(line) };
    try {
      expect(await printSeedHintIfEmpty(server.ctx.store, log)).toBe(true);
      expect(lines[0]).toMatch(/npm run seed/);
      expect((await call(server.ctx, 'POST', 'Patient', { body: { resourceType: 'Patient', name: [{ family: 'Hint' }] } })).status).toBe(201);
      expect(await printSeedHintIfEmpty(server.ctx.store, log)).toBe(false);
      expect(lines).toHaveLength(1);
    } finally {
      await server.close();
    }
  });
});
