// My changes: status tabs with live counts, a date filter, per-status actions and the details view.

import { get, withQuery } from '../api.js';
import { $, el, params, replace, select } from '../dom.js';
import { RANGES, rangeFor } from '../dates.js';
import { run, startPage } from '../components/layout.js';
import { objectCard } from '../components/cards.js';
import { pagedList } from '../components/pager.js';
import { statusTabs } from '../components/status-tabs.js';
import { canCreate, view } from '../model.js';

async function main() {
  const me = await startPage();
  const page = $('#page');
  const p = params();
  const range = select(RANGES.map(([v, l]) => [v, l]), p.range || '', { id: 'range' });
  const tabs = statusTabs(p.status || '', () => refresh(), { panelId: 'results' });
  const panel = el('div', { id: 'results', role: 'tabpanel' });
  const list = pagedList(
    (cursor) => get(withQuery('/api/changes', { mine: true, status: tabs.value, ...rangeFor(range.value), limit: 20, cursor })),
    (items) => items.map((it) => objectCard(me, view(it), { onChanged: refresh })),
    { empty: 'No changes here.', what: 'changes' });
  panel.append(list.node);
  replace(page,
    el('div', { class: 'toolbar' },
      el('div', { class: 'field inline' }, el('label', { for: 'range' }, 'Modified'), range),
      canCreate(me) && el('a', { class: 'button primary', href: '/create-change.html' }, 'Create a change')),
    tabs.node, panel);

  async function refresh() {
    panel.setAttribute('aria-labelledby', tabs.labelledBy());
    const q = new URLSearchParams();
    if (tabs.value) q.set('status', tabs.value);
    if (range.value) q.set('range', range.value);
    history.replaceState(null, '', `${location.pathname}${q.toString() ? `?${q}` : ''}`);
    get(withQuery('/api/statistics', { mine: true, type: 'change', ...rangeFor(range.value) }))
      .then((s) => tabs.setCounts(s.all)).catch(() => tabs.setCounts(null));
    await list.reset();
  }
  range.addEventListener('change', refresh);
  refresh();
}

run(main);
