// The console's router: one shell, views chosen by the address's #fragment (never sent to the server).
import { alertBox, h, show } from './dom.js';
import { authOn, current, finishUserSignIn, signedIn, signOut } from './session.js';
import { showHome } from './views/home.js';
import { showSignIn } from './views/signin.js';
import { showBrowser } from './views/browse.js';
import { showResource } from './views/resource.js';
import { showTimeline } from './views/timeline.js';
import { showApps } from './views/apps.js';
import { showSandbox } from './views/sandbox.js';

const NAV = [
  ['#/', 'Home'],
  ['#/browse', 'Browse'],
  ['#/apps', 'Apps & users'],
  ['#/sandbox', 'Launch sandbox'],
];

/** Views that show data: they need a signed-in administrator when auth is on. */
const ROUTES = [
  [/^\/browse(?:\/([A-Za-z]+))?$/, (m, query) => showBrowser(m[1], query)],
  [/^\/resource\/([A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})$/, (m) => showResource(m[1], m[2])],
  [/^\/patient\/([A-Za-z0-9\-.]{1,64})$/, (m) => showTimeline(m[1])],
  [/^\/apps$/, () => showApps()],
  [/^\/sandbox$/, (m, query) => showSandbox(query.get('patient'))],
];

/** Home, re-rendered even when it is the current page (no hashchange then). */
function goHome() {
  if (location.hash === '#/') void run();
  else location.hash = '#/';
}

function renderChrome() {
  const here = location.hash.split('?')[0] || '#/';
  document.getElementById('nav').replaceChildren(
    ...NAV.map(([href, label]) => h('a', { href, 'aria-current': here === href || (href !== '#/' && here.startsWith(href)) ? 'page' : undefined }, label)),
  );
  const who = document.getElementById('who');
  if (!authOn()) who.replaceChildren(h('span', { class: 'badge warn' }, 'Auth off'));
  else if (current()) {
    who.replaceChildren(
      h('span', {}, `Signed in: ${current().who}`),
      h('button', { type: 'button', class: 'link', onclick: () => signOut().then(goHome) }, 'Sign out'),
    );
  } else who.replaceChildren(h('a', { href: '#/signin' }, 'Sign in'));
}

async function route() {
  renderChrome();
  const [path, query = ''] = (location.hash.slice(1) || '/').split('?');
  if (path === '/' || path === '') return showHome();
  if (path === '/signin') return showSignIn();
  for (const [pattern, view] of ROUTES) {
    const match = pattern.exec(path);
    if (!match) continue;
    if (!signedIn()) return showSignIn('Please sign in as an administrator to see this page.');
    return view(match, new URLSearchParams(query));
  }
  return show('Not found', alertBox('There is no such page in the console.'));
}

async function start() {
  window.addEventListener('hashchange', () => void run());
  if (location.pathname.endsWith('/callback')) {
    try {
      await finishUserSignIn();
    } catch (error) {
      renderChrome();
      return showSignIn(error.message);
    }
  }
  return run();
}

async function run() {
  try {
    await route();
  } catch (error) {
    if (error.status === 401) {
      await signOut();
      renderChrome();
      return showSignIn('Your sign-in has expired. Please sign in again.');
    }
    show('Something went wrong', alertBox(error.message));
  }
  return undefined;
}

void start();
