import { createHmac } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import { guardedLookup, refusedEndpoint } from '../endpoint';
import type { SubscriptionSettings } from '../settings';

/** Connections to receivers are reused (most subscribers are a handful of EHR endpoints). */
const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 16 }), https: new https.Agent({ keepAlive: true, maxSockets: 16 }) };

/** Name of the signature header: `sha256=<hex HMAC-SHA256 of the exact body bytes>`. */
export const SIGNATURE_HEADER = 'X-Telefhir-Signature';

export function signBody(secret: string, body: Buffer): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface RestHookMessage {
  endpoint: string;
  headers: string[];
  contentType?: string;
  body: Buffer;
  secret?: string;
}

/** Thrown for a failed delivery; `message` holds no patient data (status codes, error codes). */
export class DeliveryError extends Error {}

/**
 * POSTs one notification. Redirects are not followed (a redirect could lead anywhere), the
 * connection goes only to addresses that pass the endpoint policy, and any 2xx is success.
 */
export async function postNotification(message: RestHookMessage, settings: SubscriptionSettings): Promise<void> {
  const refused = refusedEndpoint(message.endpoint, settings);
  if (refused) throw new DeliveryError(`endpoint refused: ${refused}`);
  const url = new URL(message.endpoint);
  const headers: Record<string, string> = { 'Content-Length': String(message.body.length), 'User-Agent': 'Telefhir-Subscriptions' };
  if (message.contentType) headers['Content-Type'] = message.contentType;
  for (const line of message.headers) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim()] = line.slice(colon + 1).trim();
  }
  if (message.secret) headers[SIGNATURE_HEADER] = signBody(message.secret, message.body);
  const client = url.protocol === 'https:' ? https : http;
  const agent = url.protocol === 'https:' ? agents.https : agents.http;
  await new Promise<void>((resolve, reject) => {
    const request = client.request(url, { method: 'POST', headers, agent, lookup: guardedLookup(settings) as never, timeout: settings.timeoutMs }, (response) => {
      response.resume();
      response.on('end', () => {
        const status = response.statusCode ?? 0;
        if (status >= 200 && status < 300) resolve();
        else reject(new DeliveryError(`endpoint answered HTTP ${status}`));
      });
      response.on('error', () => reject(new DeliveryError('response aborted')));
    });
    request.on('timeout', () => request.destroy(new DeliveryError(`no answer within ${settings.timeoutMs} ms`)));
    request.on('error', (error: NodeJS.ErrnoException) => {
      reject(error instanceof DeliveryError ? error : new DeliveryError(error.code === 'EREFUSEDADDRESS' ? error.message : `connection failed (${error.code ?? error.name})`));
    });
    request.end(message.body);
  });
}
