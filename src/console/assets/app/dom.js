// Tiny DOM helpers: every value goes in as text or attribute, never as HTML.

/** h('a', {href: '#/x'}, 'text', child) → element */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else element.setAttribute(name, value === true ? '' : String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replaces the main view's content and gives it a title. */
export function show(title, ...children) {
  const view = document.getElementById('view');
  view.replaceChildren(h('h1', {}, title), ...children.flat().filter(Boolean));
  document.title = `${title} – Telefhir console`;
}

export const alertBox = (message) => h('p', { class: 'error', role: 'alert' }, message);
export const note = (message) => h('p', { class: 'note' }, message);

/** A table from column labels and rows of cells (strings or nodes). */
export function table(labels, rows, caption) {
  return h(
    'table',
    {},
    caption ? h('caption', {}, caption) : null,
    labels.some(Boolean) ? h('thead', {}, h('tr', {}, labels.map((label) => h('th', { scope: 'col' }, label)))) : null,
    h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell) => h('td', {}, cell))))),
  );
}

/** A labelled form field; `control` is an input/select/textarea element with an id. */
export const field = (label, control, hint) =>
  h('div', { class: 'field' }, h('label', { for: control.id }, label), control, hint ? h('small', {}, hint) : null);

export function select(id, options, attributes = {}) {
  return h('select', { id, name: id, ...attributes }, options.map(([value, label]) => h('option', { value }, label)));
}

/** A readable one-line summary of a FHIR resource. */
export function summary(resource) {
  const name = resource.name?.[0];
  if (name && typeof name === 'object') return [name.given?.join(' '), name.family].filter(Boolean).join(' ') || name.text || '';
  if (typeof resource.name === 'string') return resource.name;
  const code = resource.code?.text ?? resource.code?.coding?.[0]?.display ?? resource.code?.coding?.[0]?.code;
  const value = resource.valueQuantity ? `${resource.valueQuantity.value} ${resource.valueQuantity.unit ?? ''}` : '';
  return [code, value, resource.description, resource.status].filter(Boolean).join(' · ');
}

export const when = (iso) => (iso ? new Date(iso).toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' }) : '');
