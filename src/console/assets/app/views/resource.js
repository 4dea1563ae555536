// One resource as JSON, with its history count and, for a Patient, the way to the timeline.
import { fhir } from '../api.js';
import { h, show } from '../dom.js';

export async function showResource(type, id) {
  const resource = await fhir(`${type}/${id}`);
  return show(
    `${type}/${id}`,
    h(
      'p',
      { class: 'actions' },
      h('a', { href: `#/browse/${type}` }, `All ${type}`),
      type === 'Patient' ? h('a', { href: `#/patient/${id}` }, 'Telehealth timeline') : null,
      h('span', {}, `version ${resource.meta?.versionId ?? '?'}`),
    ),
    h('pre', { class: 'json', id: 'resource-json' }, JSON.stringify(resource, null, 2)),
  );
}
