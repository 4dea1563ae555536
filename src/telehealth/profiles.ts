import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Canonical URLs of the telehealth profiles, read from the StructureDefinitions in profiles/ (the
 * validation module owns them), so that the resources this module writes claim exactly the
 * profiles the validator knows. The fallbacks apply only when profiles/ is absent.
 */
interface StructureDefinitionLike {
  resourceType?: string;
  id?: string;
  name?: string;
  url?: string;
  type?: string;
  context?: Array<{ expression?: string }>;
}

export interface TelehealthProfiles {
  appointment: string;
  encounter: string;
  remoteObservation: string;
  /** The extension carrying the video-visit join link on an Appointment. */
  joinLinkExtension: string;
}

const FALLBACK: TelehealthProfiles = {
  appointment: 'https://telefhir.example/fhir/StructureDefinition/TelehealthAppointment',
  encounter: 'https://telefhir.example/fhir/StructureDefinition/TelehealthEncounter',
  remoteObservation: 'https://telefhir.example/fhir/StructureDefinition/RemoteMonitoringObservation',
  joinLinkExtension: 'https://telefhir.example/fhir/StructureDefinition/virtual-visit-join-url',
};

/** profiles/ next to package.json, from src/telehealth or dist/src/telehealth. */
function profilesDir(): string | undefined {
  let dir = __dirname;
  for (let i = 0; i < 5; i++) {
    const candidate = path.join(dir, 'profiles');
    if (existsSync(path.join(dir, 'package.json')) && existsSync(candidate)) return candidate;
    dir = path.dirname(dir);
  }
  return undefined;
}

function readDefinitions(dir: string): StructureDefinitionLike[] {
  const result: StructureDefinitionLike[] = [];
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const full = path.join(at, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith('.json')) {
        try {
          const parsed = JSON.parse(readFileSync(full, 'utf8')) as StructureDefinitionLike;
          if (parsed.resourceType === 'StructureDefinition' && parsed.url) result.push(parsed);
        } catch {
          // not a definition this module needs: the validation module reports broken files
        }
      }
    }
  };
  walk(dir);
  return result;
}

const norm = (s: string | undefined) => (s ?? '').toLowerCase().replace(/[^a-z0-9]/g, '');

function byName(definitions: StructureDefinitionLike[], name: string): string | undefined {
  return definitions.find((d) => norm(d.name) === norm(name) || norm(d.id) === norm(name))?.url;
}

/** The Appointment extension whose name speaks of a join link / virtual service / video URL. */
function joinExtension(definitions: StructureDefinitionLike[]): string | undefined {
  const extensions = definitions.filter((d) => d.type === 'Extension');
  const onAppointment = extensions.filter((d) => (d.context ?? []).some((c) => (c.expression ?? '').startsWith('Appointment')));
  const pool = onAppointment.length > 0 ? onAppointment : extensions;
  return pool.find((d) => /join|virtual|video|meeting/.test(norm(d.name) + norm(d.id)))?.url;
}

let cached: TelehealthProfiles | undefined;

export function telehealthProfiles(): TelehealthProfiles {
  if (cached) return cached;
  const dir = profilesDir();
  const definitions = dir ? readDefinitions(dir) : [];
  cached = {
    appointment: byName(definitions, 'TelehealthAppointment') ?? FALLBACK.appointment,
    encounter: byName(definitions, 'TelehealthEncounter') ?? FALLBACK.encounter,
    remoteObservation: byName(definitions, 'RemoteMonitoringObservation') ?? FALLBACK.remoteObservation,
    joinLinkExtension: joinExtension(definitions) ?? FALLBACK.joinLinkExtension,
  };
  return cached;
}
