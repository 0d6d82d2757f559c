import { currentUser, get, signOut } from '../api.js';
import { el, replace } from '../dom.js';

async function main() {
  const me = await currentUser();
  replace(document.getElementById('who'), `${me.name} · ${me.roles.join(', ')}`);
  const out = document.getElementById('signout');
  out.hidden = false;
  out.addEventListener('click', signOut);

  const [stats, recent] = await Promise.all([get('/api/statistics'), get('/api/recent?limit=10')]);
  const card = (label, n) => el('div', { class: 'card' }, el('div', { class: 'n' }, n), el('div', {}, label));
  replace(document.getElementById('counts'),
    card('All', stats.all.total), card('Drafts (mine)', stats.mine.draft), card('Awaiting approval', stats.all.submitted),
    card('Approved', stats.all.approved), card('Completed', stats.all.completed), card('Cancelled', stats.all.cancelled));
  replace(document.getElementById('recent'), recent.items.length === 0
    ? el('li', {}, 'Nothing yet.')
    : recent.items.map((o) => el('li', {}, el('span', { class: 'status' }, o.status), ' ', el('strong', {}, o.title || '(untitled)'),
        ' ', el('small', {}, `${o.id} · ${o.customers.join(', ')}`))));
}

main().catch((e) => {
  const m = document.getElementById('main');
  m.append(el('p', { class: 'error', role: 'alert' }, `Could not load the dashboard: ${e.message}`));
});
