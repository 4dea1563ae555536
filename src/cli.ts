import { readFileSync } from 'node:fs';
import { openLocalAdmin, type LocalAdmin } from './auth/local-admin';
import { loadConfig } from './config';
import { openStore } from './storage/open';

/**
 * Telefhir admin CLI (npm run telefhir -- <command>). Works on the configured store
 * (DATA_DIR or MONGODB_URI, BASE_URL), so with the embedded store run it while the server is
 * stopped; against a running server use the admin REST API (/auth/admin) instead.
 *
 *   clients add --type public|confidential-symmetric|confidential-asymmetric|backend
 *               [--id ID] [--name NAME] [--redirect-uri URL ...] [--launch-url URL]
 *               [--scope "..."] [--secret S] [--jwks-uri URL] [--jwks-file FILE]
 *   clients list | clients remove ID
 *   users add --username U --password P --role practitioner|patient|admin [--fhir-user Patient/1] [--name N]
 *   users list | users remove ID
 *   keys rotate
 *   token [--scope "system/*.rs"] [--patient ID] [--fhir-user Practitioner/1] [--json]
 */
type Flags = Map<string, string[]>;

function parseArgs(argv: string[]): { words: string[]; flags: Flags } {
  const words: string[] = [];
  const flags: Flags = new Map();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      words.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 ? arg.slice(2, eq) : arg.slice(2);
    const value = eq > 0 ? arg.slice(eq + 1) : argv[i + 1] !== undefined && !(argv[i + 1] as string).startsWith('--') ? (argv[++i] as string) : 'true';
    flags.set(name, [...(flags.get(name) ?? []), value]);
  }
  return { words, flags };
}

const one = (flags: Flags, name: string) => flags.get(name)?.at(-1);
const print = (value: unknown): void => void process.stdout.write(`${typeof value === 'string' ? value : JSON.stringify(value, null, 2)}\n`);

async function run(admin: LocalAdmin, words: string[], flags: Flags): Promise<void> {
  const [area, action, id] = words;
  switch (`${area ?? ''} ${action ?? ''}`.trim()) {
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
    case 'clients remove':
      return print((await admin.removeClient(id ?? '')) ? `removed client ${id}` : `no client ${id}`);
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
    case 'users remove':
      return print((await admin.removeUser(id ?? '')) ? `removed user ${id}` : `no user ${id}`);
    case 'keys rotate':
      return print(`new signing key ${await admin.rotateKeys()}`);
    case 'token': {
      const token = await admin.issueToken({
        scope: one(flags, 'scope') ?? 'system/*.cruds',
        patient: one(flags, 'patient'),
        fhirUser: one(flags, 'fhir-user'),
        user: one(flags, 'user'),
      });
      return print(flags.has('json') ? token : token.access_token);
    }
    default:
      throw new UsageError();
  }
}

class UsageError extends Error {}

async function main(): Promise<void> {
  const { words, flags } = parseArgs(process.argv.slice(2));
  const config = loadConfig(process.env, []);
  const store = await openStore({ mongodbUri: config.mongodbUri, dataDir: config.dataDir });
  try {
    const admin = await openLocalAdmin({ store, baseUrl: config.baseUrl });
    await run(admin, words, flags);
  } finally {
    await store.close();
  }
}

main().catch((error: unknown) => {
  if (error instanceof UsageError) {
    process.stderr.write('usage: telefhir clients add|list|remove, users add|list|remove, keys rotate, token [--scope ...]\n');
    process.exit(2);
  }
  process.stderr.write(`telefhir: ${(error as Error).message}\n`);
  process.exit(1);
});
