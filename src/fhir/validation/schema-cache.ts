import Ajv, { type ValidateFunction } from 'ajv';
import standaloneCode from 'ajv/dist/standalone';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { buildHl7Schema } from '../definitions/schema';
import { definitionFilePath } from '../definitions/files';
import { boundStandaloneErrorCollection } from './error-budget';

/**
 * The compiled R4 schema validator, kept on disk so that it is compiled once, not at every start
 * (ajv needs ~2 s idle, far more on a busy host, for HL7's 150 resource types).
 *
 * The file is ajv's standalone module (plain JavaScript: no ajv compilation when loading it),
 * named after a SHA-256 of everything it is made from: the definition files, the source of the
 * code that restricts the schema and bounds the error collection, ajv's version and options. Any
 * change of those gives a new name; only the newest few files are kept. Its first line carries a
 * SHA-256 of the rest, so a truncated or corrupt file is detected, discarded and rebuilt.
 */
const FORMAT = 'telefhir-ajv-standalone-1';
const AJV_OPTIONS = { allErrors: true, strict: false, discriminator: true, validateSchema: false, code: { source: true } } as const;
const INPUT_FILES = ['fhir.schema.json', 'profiles-resources.json', 'profiles-types.json'];
/** Modules whose code decides what the validator does (resolved next to this one: .ts under jest, .js when built). */
const INPUT_MODULES = ['../definitions/schema', './error-budget', './schema-cache'];
const FILE_PREFIX = 'fhir-schema-';
const HEADER = '// sha256=';
/** Validators of other keys kept beside the current one. */
const KEEP_OTHERS = 2;

export type ValidatorOrigin = 'cache' | 'compiled-and-cached' | 'compiled';

export interface LoadedValidator {
  validate: ValidateFunction;
  origin: ValidatorOrigin;
  /** Why an existing file was not used (stale files are not reported: they are simply replaced). */
  rejected?: string;
  file?: string;
}

/**
 * `null` keeps the validator in memory only; a directory overrides the default, which is
 * `node_modules/.cache/telefhir` when writable, else a private directory under the OS temp dir.
 */
export interface SchemaCacheOptions {
  cacheDir?: string | null;
}

export function loadSchemaValidator(options: SchemaCacheOptions = {}): LoadedValidator {
  const dir = options.cacheDir === undefined ? defaultCacheDir() : options.cacheDir;
  const key = inputKey();
  // a read-only install (a container running as another user) still uses the file its build wrote
  const prebuilt = options.cacheDir === undefined ? path.join(installCacheDir(), `${FILE_PREFIX}${key}.js`) : undefined;
  if (prebuilt && dir !== installCacheDir()) {
    const cached = readVerified(prebuilt);
    if (typeof cached === 'string') {
      try {
        return { validate: evaluate(cached), origin: 'cache', file: prebuilt };
      } catch {
        // fall through to the writable directory
      }
    }
  }
  if (dir === null) return { validate: evaluate(compileStandalone()), origin: 'compiled' };
  const file = path.join(dir, `${FILE_PREFIX}${key}.js`);
  let rejected: string | undefined;
  const cached = readVerified(file);
  if (typeof cached === 'string') {
    try {
      return { validate: evaluate(cached), origin: 'cache', file };
    } catch (error) {
      rejected = `cannot be loaded (${(error as Error).message})`;
    }
  } else {
    rejected = cached.rejected;
  }
  const code = compileStandalone();
  const validate = evaluate(code);
  const written = writeAtomically(dir, file, code);
  return { validate, origin: written ? 'compiled-and-cached' : 'compiled', ...(rejected ? { rejected } : {}), ...(written ? { file } : {}) };
}

/** SHA-256 of every input of the generated code (hex). */
export function inputKey(): string {
  const hash = createHash('sha256').update(FORMAT).update(JSON.stringify(AJV_OPTIONS));
  hash.update(readFileSync(require.resolve('ajv/package.json'))); // its version
  for (const name of INPUT_FILES) hash.update(name).update(readFileSync(definitionFilePath(name)));
  for (const id of INPUT_MODULES) hash.update(id).update(readFileSync(require.resolve(id)));
  return hash.digest('hex');
}

function compileStandalone(): string {
  const { schema } = buildHl7Schema();
  const ajv = new Ajv(AJV_OPTIONS);
  ajv.addSchema(schema, 'fhir');
  const validate = ajv.getSchema('fhir#/definitions/ResourceList');
  if (!validate) throw new Error('FHIR schema: ResourceList missing');
  return boundStandaloneErrorCollection(standaloneCode(ajv, validate));
}

/**
 * Runs the module text. `globalThis` is passed in so that the error budget the code reads is this
 * realm's (a jest suite runs in its own realm), and `require` resolves ajv's runtime helpers.
 */
function evaluate(code: string): ValidateFunction {
  const module = { exports: {} as unknown };
  const run = vm.compileFunction(code, ['require', 'module', 'exports', 'globalThis'], { filename: 'fhir-schema-validator.js' });
  run(require, module, module.exports, globalThis);
  const validate = module.exports;
  if (typeof validate !== 'function') throw new Error('no validate function exported');
  return validate as ValidateFunction;
}

function readVerified(file: string): string | { rejected?: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return {}; // not cached yet
  }
  const newline = text.indexOf('\n');
  if (!text.startsWith(HEADER) || newline < 0) return { rejected: 'has no checksum header' };
  const body = text.slice(newline + 1);
  if (sha256(body) !== text.slice(HEADER.length, newline)) return { rejected: 'does not match its checksum (truncated or corrupt)' };
  return body;
}

/** Write to a temporary name and rename: a concurrent reader sees the old file or the whole new one. */
function writeAtomically(dir: string, file: string, code: string): boolean {
  const temporary = `${file}.${process.pid}.${Date.now()}.tmp`;
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileSync(temporary, `${HEADER}${sha256(code)}\n${code}`, { mode: 0o644 });
    renameSync(temporary, file);
  } catch {
    try {
      unlinkSync(temporary);
    } catch {
      // never written
    }
    return false; // read-only location: run with the in-memory validator
  }
  removeOtherVersions(dir, path.basename(file));
  return true;
}

/**
 * Keeps the newest few validators: one per build flavour (the TypeScript sources under jest and
 * the compiled JavaScript have different keys) and the one being replaced during an upgrade.
 */
function removeOtherVersions(dir: string, keep: string): void {
  const others = readdirSync(dir)
    .filter((name) => name.startsWith(FILE_PREFIX) && name !== keep)
    .map((name) => {
      const file = path.join(dir, name);
      try {
        return { file, at: statSync(file).mtimeMs };
      } catch {
        return { file, at: 0 };
      }
    })
    .sort((a, b) => b.at - a.at);
  const stale = others.filter((o) => o.file.endsWith('.tmp') && o.at < Date.now() - 3_600_000);
  const old = others.filter((o) => !o.file.endsWith('.tmp')).slice(KEEP_OTHERS);
  for (const { file } of [...stale, ...old]) {
    try {
      unlinkSync(file);
    } catch {
      // another process removed it first
    }
  }
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * `node_modules/.cache/telefhir` (the usual place for build caches, owned like the code beside it)
 * when it can be written; otherwise a per-user directory under the OS temp dir, trusted only if
 * this user owns it and nobody else may write to it (the file is code that will be run).
 */
export function defaultCacheDir(): string | null {
  const beside = installCacheDir();
  if (writable(beside)) return beside;
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  const temp = path.join(os.tmpdir(), `telefhir-cache-${uid ?? 'user'}`);
  try {
    mkdirSync(temp, { recursive: true, mode: 0o700 });
    const stat = statSync(temp);
    if ((uid !== undefined && stat.uid !== uid) || (stat.mode & 0o022) !== 0) return null;
    return temp;
  } catch {
    return null;
  }
}

/** `node_modules/.cache/telefhir` of the node_modules this code runs with (where `npm run build` writes). */
function installCacheDir(): string {
  return path.join(path.dirname(path.dirname(require.resolve('ajv/package.json'))), '.cache', 'telefhir');
}

function writable(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    const probe = path.join(dir, `.probe-${process.pid}`);
    writeFileSync(probe, '');
    unlinkSync(probe);
    return true;
  } catch {
    return false;
  }
}
