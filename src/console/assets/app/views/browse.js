// Resource browser: the types the server supports, a search form, a result table.
import { search, fhir } from '../api.js';
import { alertBox, field, h, note, show, summary, table, when } from '../dom.js';

let types;
async function supportedTypes() {
  if (!types) {
    const metadata = await fhir('metadata');
    types = (metadata.rest?.[0]?.resource ?? []).map((r) => r.type).sort();
  }
  return types;
}

export async function showBrowser(type, query) {
  const all = await supportedTypes();
  const typeList = h('nav', { class: 'types', 'aria-label': 'Resource types' }, all.map((t) => h('a', { href: `#/browse/${t}`, 'aria-current': t === type ? 'page' : undefined }, t)));
  if (!type) return show('Browse', note('Choose a resource type.'), typeList);
  if (!all.includes(type)) return show('Browse', alertBox(`${type} is not a supported resource type.`), typeList);

  const params = query.get('q') ?? '_count=20';
  const input = h('input', { id: 'search-params', name: 'q', value: params, spellcheck: 'false' });
  const form = h(
    'form',
    {
      class: 'search',
      role: 'search',
      onsubmit: (event) => {
        event.preventDefault();
        location.hash = `#/browse/${type}?${new URLSearchParams({ q: input.value })}`;
      },
    },
    field(`Search ${type}`, input, 'FHIR search parameters, e.g. name=smith&_count=10 or code=http://loinc.org|8867-4'),
    h('button', { type: 'submit' }, 'Search'),
  );
  let results;
  try {
    const { bundle, resources } = await search(`${type}?${params}`);
    const rows = resources.map((r) => [
      h('a', { href: `#/resource/${r.resourceType}/${r.id}` }, r.id),
      summary(r),
      when(r.meta?.lastUpdated),
      r.resourceType === 'Patient' ? h('a', { href: `#/patient/${r.id}` }, 'Timeline') : '',
    ]);
    const total = typeof bundle.total === 'number' ? `${bundle.total} in all` : `${resources.length} shown`;
    results = [h('p', { id: 'result-count' }, total), table(['id', 'Summary', 'Last updated', ''], rows, `${type} results`)];
  } catch (error) {
    results = [alertBox(error.message)];
  }
  return show(`Browse ${type}`, typeList, form, ...results);
}
