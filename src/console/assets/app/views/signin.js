// Sign-in: an administrator account through the server's own SMART sign-in (authorization code +
// PKCE), or the bootstrap `admin` client secret.
import { alertBox, field, h, note, show } from '../dom.js';
import { authOn, signInWithClientSecret, startUserSignIn } from '../session.js';

export function showSignIn(message) {
  if (!authOn()) return show('Sign in', note('Authorization is off on this server: there is nothing to sign in to.'));
  const error = h('div', { 'aria-live': 'polite' });
  const secret = h('input', { id: 'admin-secret', type: 'password', autocomplete: 'off', required: true, minlength: 16 });
  const form = h(
    'form',
    {
      class: 'card',
      onsubmit: (event) => {
        event.preventDefault();
        signInWithClientSecret(secret.value).then(
          () => location.assign('/#/'),
          (e) => error.replaceChildren(alertBox(e.message)),
        );
      },
    },
    h('h2', {}, 'With the admin client secret'),
    field('Admin client secret', secret, 'ADMIN_CLIENT_SECRET, or the secret printed at first start.'),
    h('button', { type: 'submit' }, 'Sign in with the secret'),
  );
  return show(
    'Sign in',
    message ? alertBox(message) : null,
    error,
    h(
      'div',
      { class: 'card' },
      h('h2', {}, 'With an administrator account'),
      h('p', {}, 'Users with the admin role sign in on the server’s own sign-in page.'),
      h('button', { type: 'button', id: 'user-sign-in', onclick: () => startUserSignIn().catch((e) => error.replaceChildren(alertBox(e.message))) }, 'Sign in with an account'),
    ),
    form,
  );
}
