import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { defaultCacheDir, inputKey, loadSchemaValidator } from '../../src/fhir/validation/schema-cache';
import { withErrorBudget } from '../../src/fhir/validation/error-budget';

/**
 * The on-disk cache of the compiled schema validator: a valid file is used as is; a corrupt,
 * truncated or unloadable one is detected, replaced by a fresh compilation and rewritten; files of
 * other keys (older definitions or code) are never loaded and only the newest few are kept.
 */
let dir: string;
let file: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'telefhir-schema-cache-'));
  file = path.join(dir, `fhir-schema-${inputKey()}.js`);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const patient = { resourceType: 'Patient', name: [{ family: 'Chalmers' }] };
const unknownElement = { resourceType: 'Patient', nickname: 'Jim' };

function expectWorking(validate: (data: unknown) => boolean): void {
  expect(validate(patient)).toBe(true);
  expect(validate(unknownElement)).toBe(false);
  // the error budget is compiled into the cached code too: 5 000 errors stop after about 20
  const { result, exhausted } = withErrorBudget(20, () => validate({ resourceType: 'Patient', name: Array.from({ length: 5000 }, () => 1) }));
  expect(result).toBe(false);
  expect(exhausted).toBe(true);
}

describe('compiled schema validator cache', () => {
  it('loads the validator compiled by the global setup without compiling it again', () => {
    const shared = defaultCacheDir();
    expect(shared).not.toBeNull();
    copyFileSync(path.join(shared as string, path.basename(file)), file);
    const loaded = loadSchemaValidator({ cacheDir: dir });
    expect(loaded.origin).toBe('cache');
    expect(loaded.rejected).toBeUndefined();
    expectWorking(loaded.validate);
  });

  it('rebuilds a file whose checksum matches but whose code cannot be loaded, and keeps only the newest other versions', () => {
    const bogus = 'module.exports = 42;';
    writeFileSync(file, `// sha256=${createHash('sha256').update(bogus).digest('hex')}\n${bogus}`);
    const others = ['a', 'b', 'c', 'd'].map((k) => path.join(dir, `fhir-schema-${k.repeat(64)}.js`));
    others.forEach((other, i) => {
      writeFileSync(other, 'stale');
      utimesSync(other, new Date(2020, 0, 1 + i), new Date(2020, 0, 1 + i)); // oldest first
    });
    const loaded = loadSchemaValidator({ cacheDir: dir });
    expect(loaded.origin).toBe('compiled-and-cached');
    expect(loaded.rejected).toMatch(/cannot be loaded/);
    expectWorking(loaded.validate);
    expect(readFileSync(file, 'utf8')).not.toContain(bogus);
    expect(readdirSync(dir).sort()).toEqual([path.basename(others[2] as string), path.basename(others[3] as string), path.basename(file)].sort());
  });

  it('detects a truncated file, rebuilds it, and loads the rebuilt file next time', () => {
    const whole = readFileSync(file, 'utf8');
    writeFileSync(file, whole.slice(0, whole.length / 2));
    const rebuilt = loadSchemaValidator({ cacheDir: dir });
    expect(rebuilt.origin).toBe('compiled-and-cached');
    expect(rebuilt.rejected).toMatch(/checksum/);
    expectWorking(rebuilt.validate);
    expect(readFileSync(file, 'utf8')).toBe(whole);

    const again = loadSchemaValidator({ cacheDir: dir });
    expect(again.origin).toBe('cache');
    expectWorking(again.validate);
  });

  it('never loads a file without its checksum header', () => {
    writeFileSync(file, 'module.exports = () => true;');
    const loaded = loadSchemaValidator({ cacheDir: dir });
    expect(loaded.origin).toBe('compiled-and-cached');
    expect(loaded.rejected).toMatch(/no checksum header/);
    expectWorking(loaded.validate);
    expect(readFileSync(file, 'utf8')).toMatch(/^\/\/ sha256=[0-9a-f]{64}\n/);
  });
});
