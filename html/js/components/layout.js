// The frame of every page: header with navigation, the signed-in user and roles, sign-out, and a
// notice before the session ends that signs in again and comes back to the same page.

import { currentUser, describeError, peekSession, signInUrl, signOut } from '../api.js';
import { el, errorBox, loading, replace } from '../dom.js';
import { formatInstant } from '../dates.js';
import { canCreate } from '../model.js';

const NAV = [
  ['/index.html', 'Dashboard'],
  ['/create-change.html', 'Create change', 'create'],
  ['/create-announcement.html', 'Create announcement', 'create'],
  ['/my-changes.html', 'My changes'],
  ['/approvals.html', 'Approvals'],
  ['/calendar.html', 'Calendar'],
  ['/announcements.html', 'Announcements'],
  ['/search-changes.html', 'Search'],
  ['/surveys.html', 'Surveys'],
];

function header(me) {
  const here = location.pathname === '/' ? '/index.html' : location.pathname;
  const links = NAV.filter(([, , need]) => need !== 'create' || canCreate(me)).map(([href, label]) =>
    el('li', {}, el('a', { href, 'aria-current': href === here ? 'page' : null }, label)));
  const menu = el('ul', { id: 'nav-links', class: 'nav-links' }, links);
  const toggle = el('button', { type: 'button', class: 'nav-toggle', 'aria-expanded': 'false', 'aria-controls': 'nav-links' },
    el('span', { 'aria-hidden': 'true' }, '☰'), ' Menu');
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    menu.classList.toggle('open', open);
  });
  const out = el('button', { type: 'button', class: 'signout' }, 'Sign out');
  out.addEventListener('click', signOut);
  return [
    el('a', { class: 'brand', href: '/index.html' }, 'ccm'),
    el('nav', { 'aria-label': 'Main' }, toggle, menu),
    el('div', { class: 'who' },
      el('span', { class: 'who-name', title: me.email }, me.name || me.email),
      el('span', { class: 'who-roles' }, me.roles.join(', ')),
      !me.allCustomers && el('span', { class: 'who-scope' }, `customers: ${me.customers.join(', ')}`),
      out),
  ];
}

const WARN_BEFORE_MS = 5 * 60 * 1000;

/** Watches `expiresAt`; shows a notice near the end without extending the session itself. */
function watchSession(initialExpiry) {
  const box = document.getElementById('session-notice') || el('div', { id: 'session-notice', class: 'session-notice', role: 'status', 'aria-live': 'polite' });
  if (!box.isConnected) document.getElementById('top').after(box);
  box.hidden = true;
  let expiry = Date.parse(initialExpiry);
  let timer = null;

  const schedule = () => {
    clearTimeout(timer);
    if (!Number.isFinite(expiry)) return;
    const wait = Math.max(1000, Math.min(expiry - Date.now() - WARN_BEFORE_MS, 2 ** 31 - 1));
    timer = setTimeout(check, wait);
  };
  const show = (ended) => {
    const link = el('a', { href: signInUrl(), class: 'button' }, 'Sign in again');
    const stay = !ended && el('button', { type: 'button' }, 'Stay signed in');
    if (stay) stay.addEventListener('click', async () => {
      try {
        const me = await currentUser({ refresh: true });
        expiry = Date.parse(me.expiresAt);
        box.hidden = true;
        schedule();
      } catch (e) { replace(box, errorBox(describeError(e))); }
    });
    replace(box, el('p', {},
      ended ? 'Your session has ended. Sign in again to continue; you will come back to this page.'
        : `Your session ends at ${formatInstant(new Date(expiry).toISOString())}.`, ' ', stay, ' ', link));
    box.hidden = false;
    box.classList.toggle('ended', ended);
  };
  async function check() {
    const s = await peekSession().catch(() => null);
    if (!s) { show(true); return; }
    expiry = Date.parse(s.expiresAt);
    if (expiry - Date.now() <= WARN_BEFORE_MS) {
      show(false);
      timer = setTimeout(check, Math.max(1000, Math.min(expiry - Date.now() + 1000, 60000)));
    } else {
      box.hidden = true;
      schedule();
    }
  }
  schedule();
}

/**
 * Starts a page: header, user, session watch. Answers the user (`/api/me`) or throws after showing
 * the error in <main>.
 */
export async function startPage() {
  const top = document.getElementById('top');
  let me;
  try {
    me = await currentUser();
  } catch (e) {
    if (e.status !== 401) {
      replace(document.getElementById('page'), errorBox(`Could not load your profile: ${describeError(e)}`, () => location.reload()));
    }
    e.shown = true;
    throw e;
  }
  replace(top, header(me));
  watchSession(me.expiresAt);
  return me;
}

/** Runs an async loader into `box`, with a loading state, and an error state that can retry. */
export async function load(box, fn, what = 'this') {
  replace(box, loading());
  box.setAttribute('aria-busy', 'true');
  try {
    const out = await fn();
    box.removeAttribute('aria-busy');
    return out;
  } catch (e) {
    if (e.status === 401) return undefined;
    replace(box, errorBox(`Could not load ${what}: ${describeError(e)}`, () => load(box, fn, what)));
    return undefined;
  }
}


/** Runs a page's main function; an error it did not handle is shown instead of the page. */
export function run(main) {
  main().catch((e) => {
    if (e && (e.shown || e.status === 401)) return;
    console.error(e);
    replace(document.getElementById('page'), errorBox(`Something went wrong: ${describeError(e)}`, () => location.reload()));
  });
}
