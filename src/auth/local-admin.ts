import { parseResourceScope } from '../fhir/access/scopes';
import { rotateAdminSecret } from './admin-bootstrap';
import { longestAccessTokenMs, resolveConfig, type AuthOptions } from './config';
import { referenceExists } from './fhir-data';
import { randomToken } from './crypto';
import { KeyRing } from './keys';
import { authCollections, type ClientDoc } from './model';
import { clientView, registerClient, registerUser, userView, type ClientInput, type ClientView, type UserInput, type UserView } from './registry';
import { SIMPLE_SCOPES, splitScope } from './scopes';
import { TokenService } from './tokens';

/**
 * Administration straight on the store, for the CLI (src/cli.ts) on a machine that owns the
 * store: register clients and users, rotate keys, and print a token for curl.
 */
export interface LocalAdmin {
  addClient(input: ClientInput): Promise<ClientView>;
  listClients(): Promise<ClientView[]>;
  removeClient(id: string): Promise<boolean>;
  addUser(input: UserInput): Promise<UserView>;
  listUsers(): Promise<UserView[]>;
  removeUser(id: string): Promise<boolean>;
  rotateKeys(): Promise<string>;
  /** A new random secret for the `admin` client (only its hash is stored); returned once. */
  rotateAdminSecret(): Promise<string>;
  /** A signed access token (no client authentication: whoever holds the store is trusted). */
  issueToken(input: { scope: string; clientId?: string; patient?: string; fhirUser?: string; user?: string }): Promise<{ access_token: string; expires_in: number; scope: string }>;
}

export async function openLocalAdmin(options: AuthOptions): Promise<LocalAdmin> {
  const config = resolveConfig(options);
  const c = authCollections(config.store);
  const keys = new KeyRing(c, config.keyRotationMs, longestAccessTokenMs(config), config.now);
  await keys.load();
  const tokens = new TokenService(config, c, keys);
  const now = () => new Date(config.now());
  return {
    addClient: (input) => registerClient(c, input, now()),
    listClients: async () => (await c.clients.find({}, { sort: { _id: 1 } })).map((d: ClientDoc) => clientView(d)),
    removeClient: async (id) => (await c.clients.deleteOne({ _id: id })) === 1,
    addUser: (input) => registerUser(c, input, now(), referenceExists(config.store)),
    listUsers: async () => (await c.users.find({}, { sort: { _id: 1 } })).map(userView),
    removeUser: async (id) => (await c.users.deleteOne({ _id: id })) === 1,
    rotateKeys: async () => (await keys.rotate()).kid,
    rotateAdminSecret: () => rotateAdminSecret(c, now()),
    issueToken: async (input) => {
      const scopes = splitScope(input.scope);
      const unknown = scopes.filter((s) => !parseResourceScope(s) && !(SIMPLE_SCOPES as readonly string[]).includes(s));
      if (scopes.length === 0 || unknown.length > 0) throw new Error(`unknown scope(s): ${unknown.join(' ') || '(none given)'}`);
      if (scopes.some((s) => parseResourceScope(s)?.grant.context === 'patient') && !input.patient) throw new Error('patient/ scopes need --patient <id>');
      const { token, claims } = tokens.issueAccessToken({
        gid: randomToken(18),
        clientId: input.clientId ?? 'cli',
        scope: scopes.join(' '),
        ...(input.user ? { userId: input.user } : {}),
        ...(input.patient ? { patient: input.patient } : {}),
        ...(input.fhirUser ? { fhirUser: input.fhirUser } : {}),
      });
      return { access_token: token, expires_in: claims.exp - claims.iat, scope: claims.scope };
    },
  };
}
