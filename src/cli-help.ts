/**
 * Help texts of the admin CLI (src/cli.ts). `--help` is answered from here, before any store is
 * opened, so it works while the server runs and on a machine without the data.
 */
export const COMMANDS = [
  'clients add',
  'clients list',
  'clients remove',
  'users add',
  'users list',
  'users remove',
  'keys rotate',
  'admin rotate-secret',
  'token',
] as const;
export type Command = (typeof COMMANDS)[number];

const STORE_NOTE = `Works on the configured store (DATA_DIR, or MONGODB_URI; BASE_URL for tokens). With the
embedded store, stop the server first; against a running server use the admin REST API
(/auth/admin, scope telefhir/admin).`;

const HELP: Record<Command, string> = {
  'clients add': `telefhir clients add --type public|confidential-symmetric|confidential-asymmetric|backend
    [--id ID] [--name NAME] [--redirect-uri URL ...] [--launch-url URL] [--scope "..."]
    [--secret S] [--jwks-uri URL] [--jwks-file FILE]
Registers a SMART client; prints it as JSON (a generated client_secret is shown once).`,
  'clients list': 'telefhir clients list\nPrints the registered clients as JSON.',
  'clients remove':
    'telefhir clients remove ID   (or --id ID)\nRemoves a client; exits 1 when there is no such client.',
  'users add': `telefhir users add --username U --password P --role practitioner|patient|admin
    [--fhir-user Patient/ID|Practitioner/ID] [--name N]
Registers a user (password of 8+ characters, scrypt-hashed). A patient user needs the
fhirUser of an existing Patient.`,
  'users list':
    'telefhir users list\nPrints the users as JSON (`id` is the username; never a password hash).',
  'users remove':
    'telefhir users remove ID   (or --id ID)\nRemoves a user; exits 1 when there is no such user.',
  'keys rotate':
    'telefhir keys rotate\nCreates a new signing key; the old one keeps verifying the tokens it signed.',
  'admin rotate-secret': `telefhir admin rotate-secret
Replaces the secret of the \`admin\` client with a new random one and prints it once (only its
hash is stored). The old secret stops working at once; tokens already issued stay valid until
they expire.`,
  token: `telefhir token [--scope "system/*.cruds"] [--patient ID] [--fhir-user Practitioner/ID] [--user U] [--json]
Prints a signed access token for curl (no client authentication: whoever holds the store is
trusted). patient/ scopes need --patient.`,
};

export function usage(): string {
  return [
    'Telefhir admin CLI: telefhir <command> [options]   (npm run telefhir -- <command>, or `telefhir` when installed)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c}`),
    '',
    'telefhir <command> --help prints the options of one command.',
    '',
    STORE_NOTE,
  ].join('\n');
}

export function commandHelp(command: Command): string {
  return `${HELP[command]}\n\n${STORE_NOTE}`;
}

export const isCommand = (text: string): text is Command => (COMMANDS as readonly string[]).includes(text);
