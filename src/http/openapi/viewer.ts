import { TELEHEALTH_TYPES } from './subset';

/**
 * The OpenAPI viewer: Swagger UI (swagger-ui-dist, served from /fhir/openapi/assets) on
 * /fhir/openapi.json. No inline script (the page's CSP forbids it): ./init.js starts the UI.
 */
export function viewerPage(): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Telefhir FHIR API (OpenAPI)</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="/fhir/openapi/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/fhir/openapi/assets/favicon-32x32.png">
</head>
<body>
  <noscript>The viewer needs JavaScript; the document itself is <a href="/fhir/openapi.json">/fhir/openapi.json</a>.</noscript>
  <div id="swagger-ui"></div>
  <script src="/fhir/openapi/assets/swagger-ui-bundle.js"></script>
  <script src="/fhir/openapi/assets/swagger-ui-standalone-preset.js"></script>
  <script src="/fhir/openapi/assets/init.js"></script>
</body>
</html>
`;
}

const CORE = `/fhir/openapi.json?_type=${TELEHEALTH_TYPES.join(',')}`;

/** Opens on the telehealth types (Swagger UI re-renders the whole document at each expand); all types are the second choice. */
export const VIEWER_INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  urls: [
    { name: 'Telehealth types (${TELEHEALTH_TYPES.length})', url: '${CORE}' },
    { name: 'All resource types (large, slow to browse)', url: '/fhir/openapi.json' }
  ],
  'urls.primaryName': 'Telehealth types (${TELEHEALTH_TYPES.length})',
  dom_id: '#swagger-ui',
  deepLinking: true,
  docExpansion: 'none',
  defaultModelsExpandDepth: 0,
  filter: true,
  oauth2RedirectUrl: window.location.origin + '/fhir/openapi/assets/oauth2-redirect.html',
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
  layout: 'StandaloneLayout'
});
`;
