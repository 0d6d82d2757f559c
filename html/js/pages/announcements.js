// Announcements: status tabs with counts, filters (type, text, customer, date), cards with type icons
// and the workflow actions.

import { get, withQuery } from '../api.js';
import { $, debounce, el, params, replace, select } from '../dom.js';
import { RANGES, rangeFor } from '../dates.js';
import { run, startPage } from '../components/layout.js';
import { objectCard } from '../components/cards.js';
import { loadCustomers } from '../components/customers.js';
import { pagedList } from '../components/pager.js';
import { statusTabs } from '../components/status-tabs.js';
import { TYPES, canCreate, view } from '../model.js';

const ALL_TYPES = 'cic,finops,innersource,general';

async function main() {
  const me = await startPage();
  const page = $('#page');
  const p = params();
  const customers = await loadCustomers();
  const type = select([['', 'All types'], ...['cic', 'finops', 'innersource', 'general'].map((t) => [t, `${TYPES[t].icon} ${TYPES[t].label}`])], p.type || '', { id: 'f-type' });
  const q = el('input', { type: 'search', id: 'f-q', value: p.q || '', placeholder: 'Words in the title or text' });
  const customer = select([['', 'All customers'], ...customers.map((c) => [c.code, c.name])], p.customer || '', { id: 'f-customer' });
  const range = select(RANGES, p.range || '', { id: 'f-range' });
  const tabs = statusTabs(p.status || '', () => refresh(), { panelId: 'results' });
  const filter = () => ({ type: type.value || ALL_TYPES, q: q.value.trim(), customer: customer.value, ...rangeFor(range.value) });
  const list = pagedList(
    (cursor) => get(withQuery('/api/announcements', { ...filter(), status: tabs.value, limit: 20, cursor })),
    (items) => items.map((it) => objectCard(me, view(it), { onChanged: refresh })),
    { empty: 'No announcements match.', what: 'announcements' });
  const panel = el('div', { id: 'results', role: 'tabpanel' }, list.node);
  replace(page,
    el('div', { class: 'toolbar' }, el('span'), canCreate(me) && el('a', { class: 'button primary', href: '/create-announcement.html' }, 'Create an announcement')),
    el('form', { class: 'filters', role: 'search', 'aria-label': 'Filter announcements', onsubmit: (e) => { e.preventDefault(); refresh(); } },
      el('div', { class: 'field' }, el('label', { for: q.id }, 'Search'), q),
      el('div', { class: 'field' }, el('label', { for: type.id }, 'Type'), type),
      el('div', { class: 'field' }, el('label', { for: customer.id }, 'Customer'), customer),
      el('div', { class: 'field' }, el('label', { for: range.id }, 'Modified'), range)),
    tabs.node, panel);

  async function refresh() {
    panel.setAttribute('aria-labelledby', tabs.labelledBy());
    const state = { status: tabs.value, type: type.value, q: q.value.trim(), customer: customer.value, range: range.value };
    history.replaceState(null, '', withQuery(location.pathname, state));
    get(withQuery('/api/statistics', filter())).then((s) => tabs.setCounts(s.all)).catch(() => tabs.setCounts(null));
    await list.reset();
  }
  for (const f of [type, customer, range]) f.addEventListener('change', refresh);
  q.addEventListener('input', debounce(refresh, 350));
  refresh();
}

run(main);
