import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ensureBuilt } from '../helpers/built';

/**
 * What the Docker image holds, without Docker: package.json, scripts/ and dist/ but no sources
 * and no TypeScript config. The CLI and the seed loader must run there without a build step, and
 * the image and compose files must agree on start-up timing, secrets and restarts.
 */
const root = path.resolve(__dirname, '..', '..');
const packageJson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as {
  bin: Record<string, string>;
  scripts: Record<string, string>;
};
let image: string;

beforeAll(() => {
  ensureBuilt();
  image = mkdtempSync(path.join(tmpdir(), 'telefhir-image-'));
  cpSync(path.join(root, 'package.json'), path.join(image, 'package.json'));
  cpSync(path.join(root, 'scripts'), path.join(image, 'scripts'), { recursive: true });
  cpSync(path.join(root, 'dist', 'src'), path.join(image, 'dist', 'src'), { recursive: true });
  cpSync(path.join(root, 'dist', 'seed'), path.join(image, 'dist', 'seed'), { recursive: true });
  cpSync(path.join(root, 'dist', 'package.json'), path.join(image, 'dist', 'package.json'));
  symlinkSync(path.join(root, 'node_modules'), path.join(image, 'node_modules'), 'dir');
  // a DATA_DIR that is a file: nothing here may open the store
  writeFileSync(path.join(image, 'not-a-dir'), '');
}, 240_000);
afterAll(() => {
  if (image) rmSync(image, { recursive: true, force: true });
});

const npm = (...args: string[]) =>
  spawnSync('npm', ['run', '-s', ...args], {
    cwd: image,
    encoding: 'utf8',
    env: { ...process.env, DATA_DIR: path.join(image, 'not-a-dir'), MONGODB_URI: '' },
    timeout: 120_000,
  });

it('declares bins for the CLI and the seed loader, built with a node shebang', () => {
  expect(packageJson.bin).toEqual({ telefhir: 'dist/src/cli.js', 'telefhir-seed': 'dist/seed/load.js' });
  for (const file of Object.values(packageJson.bin))
    expect(readFileSync(path.join(root, file), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  expect(packageJson.scripts.seed).not.toContain('npm run build');
  expect(packageJson.scripts.telefhir).not.toContain('npm run build');
});

it('runs `npm run telefhir` and `npm run seed` where only the build ships (no tsc, no sources)', () => {
  const cli = npm('telefhir', '--', '--help');
  expect({ code: cli.status, err: cli.stderr }).toEqual({ code: 0, err: '' });
  expect(cli.stdout).toContain('admin rotate-secret');
  const seed = npm('seed', '--', '--help');
  expect({ code: seed.status, err: seed.stderr }).toEqual({ code: 0, err: '' });
  expect(seed.stdout).toContain('BASE_URL');
  const direct = spawnSync(
    process.execPath,
    [path.join(image, packageJson.bin.telefhir as string), 'token', '--help'],
    { encoding: 'utf8' },
  );
  expect(direct.status).toBe(0);
});

describe('Dockerfile and docker-compose.yml', () => {
  const dockerfile = readFileSync(path.join(root, 'Dockerfile'), 'utf8');
  const compose = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
  const seconds = (text: string, pattern: RegExp) => Number(pattern.exec(text)?.[1]);

  it('put the built CLI and loader on the PATH of the image', () => {
    expect(dockerfile).toContain('COPY scripts ./scripts');
    expect(dockerfile).toMatch(/ln -s \/app\/dist\/src\/cli\.js \/usr\/local\/bin\/telefhir\b/);
    expect(dockerfile).toMatch(/ln -s \/app\/dist\/seed\/load\.js \/usr\/local\/bin\/telefhir-seed\b/);
  });

  it('give start-up the same grace in the image and in compose, long enough for the warm-up', () => {
    const imageGrace = seconds(dockerfile, /--start-period=(\d+)s/);
    const composeGrace = seconds(compose, /telefhir:[\s\S]*start_period: (\d+)s/);
    expect(imageGrace).toBeGreaterThanOrEqual(60);
    expect(composeGrace).toBe(imageGrace);
  });

  it('start with a working admin secret, restart on failure, and document the token step', () => {
    const secret = /ADMIN_CLIENT_SECRET: \$\{ADMIN_CLIENT_SECRET:-([^}]+)\}/.exec(compose)?.[1] ?? '';
    expect(secret.length).toBeGreaterThanOrEqual(16);
    expect(compose).not.toMatch(/^\s*#\s*ADMIN_CLIENT_SECRET: change-me\s*(#|$)/m);
    expect(compose.match(/restart: unless-stopped/g)).toHaveLength(2);
    expect(compose).toContain(`curl -s -u admin:${secret} -d grant_type=client_credentials`);
    expect(compose).toContain('telefhir-seed');
  });
});
