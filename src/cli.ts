#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { openLocalAdmin, type LocalAdmin } from './auth/local-admin';
import { commandHelp, isCommand, usage, type Command } from './cli-help';
import { ConfigError, loadConfig } from './config';
import { openStore } from './storage/open';

/**
 * Telefhir admin CLI (`npm run telefhir -- <command>`, or the `telefhir` bin): clients, users,
 * signing keys, the admin secret and tokens for curl, straight on the configured store. The
 * commands and their options are described in ./cli-help.ts (`telefhir --help`).
 */
type Flags = Map<string, string[]>;

function parseArgs(argv: string[]): { words: string[]; flags: Flags } {
  const words: string[] = [];
  const flags: Flags = new Map();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '-h') {
      flags.set('help', ['true']);
      continue;
    }
    if (!arg.startsWith('--')) {
      words.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const value =
      eq > 0
        ? arg.slice(eq + 1)
        : argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith('--')
          ? (argv[++i] as string)
          : 'true';
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return { words, flags };
}

const one = (flags: Flags, name: string) => flags.get(name)?.at(-1);
const print = (value: unknown): void =>
  void process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`);

/** A failure the user can fix: its message, exit code 1 (2 for usage), no stack. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
  ) {
    super(message);
  }
}

function idArgument(words: string[], flags: Flags, what: string): string {
  const id = words[2] ?? one(flags, 'id');
  if (!id || id === 'true') throw new CliError(`${what} remove needs an id: telefhir ${what} remove ID`, 2);
  return id;
}

async function run(admin: LocalAdmin, command: Command, words: string[], flags: Flags): Promise<void> {
  switch (command) {
    case 'clients add': {
      const jwksFile = one(flags, 'jwks-file');
      return print(
        await admin.addClient({
          client_id: one(flags, 'id'),
          client_name: one(flags, 'name'),
          type: one(flags, 'type'),
          client_secret: one(flags, 'secret'),
          redirect_uris: flags.get('redirect-uri') ?? [],
          launch_url: one(flags, 'launch-url'),
          scope: one(flags, 'scope'),
          jwks_uri: one(flags, 'jwks-uri'),
          jwks: jwksFile ? JSON.parse(readFileSync(jwksFile, 'utf8')) : undefined,
        }),
      );
    }
    case 'clients list':
      return print(await admin.listClients());
    case 'clients remove': {
      const id = idArgument(words, flags, 'clients');
      if (!(await admin.removeClient(id))) throw new CliError(`no client with id '${id}'`);
      return print(`removed client ${id}`);
    }
    case 'users add':
      return print(
        await admin.addUser({
          username: one(flags, 'username'),
          password: one(flags, 'password'),
          role: one(flags, 'role'),
          fhirUser: one(flags, 'fhir-user'),
          name: one(flags, 'name'),
        }),
      );
    case 'users list':
      return print(await admin.listUsers());
    case 'users remove': {
      const id = idArgument(words, flags, 'users');
      if (!(await admin.removeUser(id))) throw new CliError(`no user with id '${id}'`);
      return print(`removed user ${id}`);
    }
    case 'keys rotate':
      return print(`new signing key ${await admin.rotateKeys()}`);
    case 'admin rotate-secret':
      return print(
        `New secret of the admin client (shown once; only its hash is stored):\nADMIN_CLIENT_SECRET=${await admin.rotateAdminSecret()}`,
      );
    case 'token': {
      const token = await admin.issueToken({
        scope: one(flags, 'scope') ?? 'system/*.cruds',
        patient: one(flags, 'patient'),
        fhirUser: one(flags, 'fhir-user'),
        user: one(flags, 'user'),
      });
      return print(flags.has('json') ? token : token.access_token);
    }
  }
}

/** `token` is one word; every other command is two. */
function commandOf(words: string[]): string {
  return words[0] === 'token' ? 'token' : words.slice(0, 2).join(' ');
}

async function main(): Promise<void> {
  const { words, flags } = parseArgs(process.argv.slice(2));
  const command = commandOf(words);
  const wantsHelp = flags.has('help') || words[0] === 'help';
  if (wantsHelp) return print(isCommand(command) ? commandHelp(command) : usage());
  if (!isCommand(command))
    throw new CliError(
      `${words.length ? `unknown command '${words.join(' ')}'` : 'no command given'}\n\n${usage()}`,
      2,
    );
  const config = loadConfig(process.env, []);
  const store = await openStore({
    mongodbUri: config.mongodbUri,
    dataDir: config.dataDir,
    serverSelectionTimeoutMs: config.mongodbServerSelectionTimeoutMs,
  });
  try {
    const admin = await openLocalAdmin({ store, baseUrl: config.baseUrl });
    await run(admin, command, words, flags);
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  const code = error instanceof CliError ? error.exitCode : error instanceof ConfigError ? 2 : 1;
  process.stderr.write(`telefhir: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(code);
});
