import type { Extension, Subscription } from 'fhir/r4';
import { badRequest, FhirError, issue } from '../fhir/outcome';
import { refusedEndpoint } from './endpoint';
import { parseCriteria } from './criteria';
import type { ChannelSpec, PayloadContent, RegistryRow } from './model';
import type { SubscriptionSettings } from './settings';
import { topicByUrl } from './topics';

/**
 * A Subscription resource → what the registry keeps. R4 subscriptions carry a search URL in
 * `criteria`; Backport IG subscriptions carry a topic canonical there, with filters in the
 * `backport-filter-criteria` extension of `_criteria`. Anything we could not honour is a 4xx.
 */
const BACKPORT = 'http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition';
export const EXT = {
  filterCriteria: `${BACKPORT}/backport-filter-criteria`,
  payloadContent: `${BACKPORT}/backport-payload-content`,
  heartbeat: `${BACKPORT}/backport-heartbeat-period`,
  timeout: `${BACKPORT}/backport-timeout`,
  /** Telefhir: the HMAC-SHA256 key of the X-Telefhir-Signature header. */
  secret: 'https://telefhir.org/fhir/StructureDefinition/subscription-secret',
} as const;
export const BACKPORT_PROFILE = `${BACKPORT}/backport-subscription`;

const invalid = (message: string, expression: string) => new FhirError(422, [issue('error', 'invalid', message, [expression])]);

const extension = (list: Extension[] | undefined, url: string) => list?.find((e) => e.url === url);

export type ParsedSubscription = Omit<RegistryRow, '_id' | 'status' | 'access' | 'events' | 'updatedMs'>;

type R4Subscription = Subscription & { _criteria?: { extension?: Extension[] }; channel: Subscription['channel'] & { _payload?: { extension?: Extension[] } } };

export function parseSubscription(resource: Subscription, settings: SubscriptionSettings): ParsedSubscription {
  const sub = resource as R4Subscription;
  if (typeof sub.criteria !== 'string' || sub.criteria.trim() === '') throw invalid('Subscription.criteria is required', 'Subscription.criteria');
  const topic = topicByUrl(sub.criteria.trim());
  const isCanonical = /^https?:\/\//.test(sub.criteria.trim());
  if (isCanonical && !topic) throw invalid(`Unknown SubscriptionTopic '${sub.criteria}' (see the server's documentation for the supported topics)`, 'Subscription.criteria');
  const filters: Record<string, string> = {};
  if (topic) {
    for (const ext of sub._criteria?.extension ?? []) {
      if (ext.url !== EXT.filterCriteria) continue;
      const value = ext.valueString ?? '';
      const { resourceType } = parseCriteria(value);
      if (!topic.resourceTypes.includes(resourceType)) throw invalid(`Filter '${value}' is not about a resource of topic ${topic.url} (${topic.resourceTypes.join(', ')})`, 'Subscription.criteria');
      if (filters[resourceType] !== undefined) throw invalid(`Only one filter per resource type is supported (${resourceType})`, 'Subscription.criteria');
      filters[resourceType] = value.includes('?') ? value.slice(value.indexOf('?') + 1) : '';
    }
    for (const type of topic.resourceTypes) filters[type] ??= '';
  } else {
    const text = sub.criteria.trim();
    const { resourceType } = parseCriteria(text);
    filters[resourceType] = text.includes('?') ? text.slice(text.indexOf('?') + 1) : '';
  }
  const parsed: ParsedSubscription = { kind: topic ? 'topic' : 'criteria', filters, channel: parseChannel(sub, settings, !!topic) };
  if (topic) parsed.topic = topic.url;
  const secret = extension(sub.channel.extension, EXT.secret)?.valueString;
  if (secret !== undefined) {
    if (secret.length < 16) throw invalid('The subscription secret must have at least 16 characters', 'Subscription.channel.extension');
    parsed.secret = secret;
  }
  const heartbeat = extension(sub.channel.extension, EXT.heartbeat)?.valueUnsignedInt;
  if (heartbeat !== undefined) parsed.heartbeatSeconds = heartbeat;
  if (sub.end) {
    const end = Date.parse(sub.end);
    if (Number.isNaN(end)) throw badRequest('Subscription.end is not a valid instant', ['Subscription.end']);
    parsed.endMs = end;
  }
  return parsed;
}

const CONTENTS = new Set<PayloadContent>(['empty', 'id-only', 'full-resource']);

function parseChannel(sub: R4Subscription, settings: SubscriptionSettings, topicBased: boolean): ChannelSpec {
  const { channel } = sub;
  if (channel.type !== 'rest-hook' && channel.type !== 'websocket') {
    throw invalid(`Channel type '${String(channel.type)}' is not supported (rest-hook, websocket)`, 'Subscription.channel.type');
  }
  const headers = channel.header ?? [];
  for (const header of headers) {
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[^\r\n]*$/.test(header)) throw invalid('Each channel.header must be `Name: value` on one line', 'Subscription.channel.header');
  }
  const payload = channel.payload;
  if (payload !== undefined && payload !== 'application/fhir+json' && payload !== 'application/json') {
    throw invalid(`Payload '${payload}' is not supported (application/fhir+json, or none)`, 'Subscription.channel.payload');
  }
  const contentCode = extension(channel._payload?.extension, EXT.payloadContent)?.valueCode;
  if (contentCode !== undefined && !CONTENTS.has(contentCode as PayloadContent)) throw invalid(`Unknown payload content '${contentCode}'`, 'Subscription.channel.payload');
  // R4: a payload means the resource itself; none means an empty notification
  const content: PayloadContent = (contentCode as PayloadContent | undefined) ?? (topicBased ? 'id-only' : payload ? 'full-resource' : 'empty');
  const spec: ChannelSpec = { type: channel.type, headers, content };
  if (payload) spec.payload = payload;
  if (channel.type === 'rest-hook') {
    if (!channel.endpoint) throw invalid('A rest-hook channel needs an endpoint', 'Subscription.channel.endpoint');
    const reason = refusedEndpoint(channel.endpoint, settings);
    if (reason) throw invalid(`Endpoint refused: ${reason}`, 'Subscription.channel.endpoint');
    spec.endpoint = channel.endpoint;
  }
  return spec;
}
