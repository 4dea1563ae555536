import type { AdminBootstrap } from './auth';

/**
 * What an operator needs to get in, printed on stdout at start (plain text, never through the
 * JSON logger: a generated secret must not end up in log pipelines that keep lines forever).
 * A generated secret is shown once — only its hash is stored — with the exact commands that use it;
 * later starts say how to rotate it.
 */
export function adminAccessNotice(
  bootstrap: AdminBootstrap | undefined,
  urls: { tokenEndpoint: string; baseUrl: string },
): string | undefined {
  if (!bootstrap || bootstrap.kind === 'env') return undefined;
  const rotate = [
    'Rotate the admin secret with: npm run telefhir -- admin rotate-secret  (prints a new one; with the embedded store, stop the server first)',
    '  or restart with ADMIN_CLIENT_SECRET=<a secret of 16+ characters>, which replaces the stored one.',
  ];
  if (bootstrap.kind === 'existing') return `${rotate.join('\n')}\n`;
  const secret = bootstrap.secret;
  const rule = '='.repeat(78);
  return [
    rule,
    'First start: Telefhir created the secret of its `admin` client. It is shown ONCE',
    '(only its hash is stored). Keep it somewhere safe:',
    '',
    `  ADMIN_CLIENT_SECRET=${secret}`,
    '',
    'Get an access token (client_credentials, scopes system/*.cruds telefhir/admin):',
    '',
    `  curl -s -u 'admin:${secret}' -d grant_type=client_credentials -d 'scope=system/*.cruds telefhir/admin' ${urls.tokenEndpoint}`,
    '',
    'Load the demo dataset (patients, visits, readings, a demo SMART app and users):',
    '',
    `  ADMIN_CLIENT_SECRET='${secret}' npm run seed -- --base ${urls.baseUrl}`,
    '',
    ...rotate,
    rule,
    '',
  ].join('\n');
}
