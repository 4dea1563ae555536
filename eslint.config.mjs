// @ts-check
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Layer rules from DESIGN.md: imports point down only. */
const layer = (files, patterns) => ({
  files,
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', '*.js', '*.mjs', 'test/**/*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { parserOptions: { project: './tsconfig.json', tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
    },
  },
  layer(['src/fhir/**/*.ts'], [
    { group: ['express', 'mongodb', '**/http/**', '**/auth/**', '**/storage/mongo/**', '**/storage/embedded/**', '**/telehealth/**'], message: 'src/fhir imports storage/port only (DESIGN.md)' },
  ]),
  layer(['src/storage/**/*.ts'], [
    { group: ['**/fhir/**', '**/http/**', '**/auth/**', '**/telehealth/**', 'express'], message: 'storage adapters import nothing above storage/port (DESIGN.md)' },
  ]),
  layer(['src/auth/**/*.ts'], [
    { group: ['**/http/**', '**/storage/mongo/**', '**/storage/embedded/**', 'mongodb'], message: 'auth does not import http or a storage adapter (DESIGN.md)' },
  ]),
  layer(['src/http/**/*.ts'], [
    { group: ['**/storage/mongo/**', '**/storage/embedded/**', 'mongodb'], message: 'http sees the storage port only (DESIGN.md)' },
  ]),
  layer(['src/console/**/*.ts'], [
    { group: ['**/http/**', '**/storage/mongo/**', '**/storage/embedded/**', '**/telehealth/**', '**/auth/**', '!**/auth/api', 'mongodb'], message: 'the console sees fhir/, storage/port and the AuthModule interface only (DESIGN.md)' },
  ]),
  // the console's browser scripts: plain ES modules, no type information
  {
    files: ['src/console/assets/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: {
      sourceType: 'module',
      parserOptions: { project: false, program: null },
      globals: Object.fromEntries(
        ['window', 'document', 'location', 'history', 'sessionStorage', 'fetch', 'URL', 'URLSearchParams', 'crypto', 'btoa', 'TextEncoder', 'Node', 'FHIR', 'console'].map((name) => [name, 'readonly']),
      ),
    },
  },
);
