import type { CodeableConcept, Encounter, Flag, Observation, Resource } from 'fhir/r4';
import type { WriteEvent } from '../fhir/request';

/**
 * The telehealth SubscriptionTopics (Subscriptions R5 Backport IG for R4): each has a canonical
 * URL, the resource types it is about (the notification focus) and a trigger judged on the
 * version before and after a write. conformance/subscription-topics.json describes the same
 * topics as R5 SubscriptionTopic resources.
 */
export const TOPIC_BASE = 'https://telefhir.org/fhir/SubscriptionTopic';

export interface TopicDefinition {
  url: string;
  title: string;
  description: string;
  resourceTypes: string[];
  /** Whether the write `event` (before/after versions) is an occurrence of the topic. */
  triggered(event: WriteEvent): boolean;
}

const VIRTUAL = 'VR';
const isVirtual = (e: Encounter | undefined) => e?.class?.code === VIRTUAL;
const statusOf = (r: Resource | undefined) => (r as { status?: string } | undefined)?.status;
/** `after` has `status` and `before` did not (or there was no before). */
const becomes = (event: WriteEvent, status: string) => event.after !== undefined && statusOf(event.after) === status && statusOf(event.before) !== status;

/** Interpretation codes (v3 ObservationInterpretation) that flag a reading. */
const FLAGGING = new Set(['H', 'L', 'HH', 'LL', 'HU', 'LU', 'A', 'AA', 'critical']);
const flagged = (concepts: CodeableConcept[] | undefined) => (concepts ?? []).some((c) => (c.coding ?? []).some((code) => FLAGGING.has(code.code ?? '')));
/** The core extension the RPM workflow puts on the Flag it raises for an out-of-range reading. */
const FLAG_DETAIL = 'http://hl7.org/fhir/StructureDefinition/flag-detail';

export const TOPICS: readonly TopicDefinition[] = [
  {
    url: `${TOPIC_BASE}/visit-started`,
    title: 'Video visit started',
    description: 'A virtual (class VR) Encounter becomes in-progress.',
    resourceTypes: ['Encounter'],
    triggered: (event) => event.resourceType === 'Encounter' && isVirtual(event.after as Encounter) && becomes(event, 'in-progress'),
  },
  {
    url: `${TOPIC_BASE}/visit-ended`,
    title: 'Video visit ended',
    description: 'A virtual (class VR) Encounter becomes finished.',
    resourceTypes: ['Encounter'],
    triggered: (event) => event.resourceType === 'Encounter' && isVirtual(event.after as Encounter) && becomes(event, 'finished'),
  },
  {
    url: `${TOPIC_BASE}/appointment-booked`,
    title: 'Appointment booked',
    description: 'An Appointment becomes booked (created booked, or moved to booked).',
    resourceTypes: ['Appointment'],
    triggered: (event) => event.resourceType === 'Appointment' && becomes(event, 'booked'),
  },
  {
    url: `${TOPIC_BASE}/appointment-cancelled`,
    title: 'Appointment cancelled',
    description: 'An Appointment becomes cancelled.',
    resourceTypes: ['Appointment'],
    triggered: (event) => event.resourceType === 'Appointment' && becomes(event, 'cancelled'),
  },
  {
    url: `${TOPIC_BASE}/remote-reading-flagged`,
    title: 'Remote reading flagged',
    description:
      'A device Observation is written with a flagging interpretation (H, L, HH, LL, HU, LU, A, AA, critical), ' +
      'or the remote-monitoring workflow raises an active Flag for an out-of-range reading.',
    resourceTypes: ['Observation', 'Flag'],
    triggered: (event) => {
      if (event.resourceType === 'Observation') {
        const after = event.after as Observation | undefined;
        if (!after?.device) return false;
        return flagged(after.interpretation) && !flagged((event.before as Observation | undefined)?.interpretation);
      }
      if (event.resourceType === 'Flag') {
        const after = event.after as Flag | undefined;
        return !!after?.extension?.some((e) => e.url === FLAG_DETAIL) && becomes(event, 'active');
      }
      return false;
    },
  },
  {
    url: `${TOPIC_BASE}/media-received`,
    title: 'Media received',
    description: 'A Media resource or a Binary (store-and-forward upload) is created.',
    resourceTypes: ['Media', 'Binary'],
    triggered: (event) => (event.resourceType === 'Media' || event.resourceType === 'Binary') && event.interaction === 'create',
  },
];

const BY_URL = new Map(TOPICS.map((t) => [t.url, t]));

export function topicByUrl(url: string): TopicDefinition | undefined {
  return BY_URL.get(url);
}
