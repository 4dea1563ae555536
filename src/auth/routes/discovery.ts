import type { CapabilityStatementRestSecurity } from 'fhir/r4';
import { ASSERTION_ALGS } from '../assertion';
import type { AuthConfig } from '../config';
import { SCOPES_SUPPORTED } from '../scopes';

/** SMART configuration (hl7.org/fhir/smart-app-launch/conformance.html) and OIDC discovery. */
export const SMART_CAPABILITIES = [
  'launch-ehr',
  'launch-standalone',
  'client-public',
  'client-confidential-symmetric',
  'client-confidential-asymmetric',
  'context-passthrough-banner',
  'context-passthrough-style',
  'context-ehr-patient',
  'context-ehr-encounter',
  'context-standalone-patient',
  'permission-offline',
  'permission-online',
  'permission-patient',
  'permission-user',
  'permission-v1',
  'permission-v2',
  'sso-openid-connect',
  'authorize-post',
  'context-banner',
  'context-style',
];

export function smartConfiguration(config: AuthConfig): Record<string, unknown> {
  return {
    issuer: config.issuer,
    jwks_uri: config.urls.jwks,
    authorization_endpoint: config.urls.authorize,
    token_endpoint: config.urls.token,
    introspection_endpoint: config.urls.introspect,
    revocation_endpoint: config.urls.revoke,
    grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    token_endpoint_auth_signing_alg_values_supported: [...ASSERTION_ALGS],
    scopes_supported: SCOPES_SUPPORTED,
    response_types_supported: ['code'],
    code_challenge_methods_supported: ['S256'],
    capabilities: SMART_CAPABILITIES,
  };
}

export function openidConfiguration(config: AuthConfig): Record<string, unknown> {
  return {
    issuer: config.issuer,
    authorization_endpoint: config.urls.authorize,
    token_endpoint: config.urls.token,
    jwks_uri: config.urls.jwks,
    introspection_endpoint: config.urls.introspect,
    revocation_endpoint: config.urls.revoke,
    response_types_supported: ['code'],
    grant_types_supported: ['authorization_code', 'refresh_token'],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post', 'private_key_jwt'],
    code_challenge_methods_supported: ['S256'],
    scopes_supported: ['openid', 'fhirUser', 'profile', 'offline_access', 'online_access'],
    claims_supported: ['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'fhirUser', 'name'],
  };
}

export function capabilitySecurity(config: AuthConfig): CapabilityStatementRestSecurity {
  return {
    cors: true,
    service: [
      {
        coding: [{ system: 'http://terminology.hl7.org/CodeSystem/restful-security-service', code: 'SMART-on-FHIR', display: 'SMART-on-FHIR' }],
        text: 'OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)',
      },
    ],
    extension: [
      {
        url: 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris',
        extension: [
          { url: 'authorize', valueUri: config.urls.authorize },
          { url: 'token', valueUri: config.urls.token },
          { url: 'introspect', valueUri: config.urls.introspect },
          { url: 'revoke', valueUri: config.urls.revoke },
        ],
      },
    ],
    description: 'SMART App Launch 2.x and Backend Services; Bearer JWT access tokens',
  };
}

/** A minimal SMART style document for `smart_style_url` (context-style). */
export const SMART_STYLE = {
  color_background: '#f4f6f8',
  color_error: '#a40e26',
  color_highlight: '#0b5cad',
  color_modal_backdrop: '',
  color_success: '#1e7e34',
  color_text: '#1b1f23',
  dim_border_radius: '8px',
  dim_font_size: '16px',
  dim_spacing_size: '16px',
  font_family_body: 'system-ui, sans-serif',
  font_family_heading: 'system-ui, sans-serif',
};
