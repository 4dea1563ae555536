import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { SearchParameter } from 'fhir/r4';

/**
 * SearchParameters Telefhir adds to HL7's (conformance/SearchParameter-*.json), e.g. Flag status
 * for `Flag?patient=X&status=active`. Found next to package.json from src/ or dist/src/.
 */
function conformanceDir(): string | undefined {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    if (existsSync(path.join(dir, 'package.json')) && existsSync(path.join(dir, 'conformance'))) return path.join(dir, 'conformance');
    dir = path.dirname(dir);
  }
  return undefined;
}

export function extraSearchParameters(): SearchParameter[] {
  const dir = conformanceDir();
  if (!dir) return [];
  return readdirSync(dir)
    .filter((name) => name.startsWith('SearchParameter-') && name.endsWith('.json'))
    .sort()
    .map((name) => JSON.parse(readFileSync(path.join(dir, name), 'utf8')) as SearchParameter)
    .filter((sp) => sp.resourceType === 'SearchParameter' && typeof sp.expression === 'string');
}
