// Status tabs with live counts (a WAI-ARIA tablist: arrow keys move between tabs).

import { el } from '../dom.js';
import { STATUSES, STATUS_LABEL } from '../model.js';

export function statusTabs(initial, onSelect, { panelId, statuses = ['', ...STATUSES] } = {}) {
  let selected = statuses.includes(initial) ? initial : '';
  const counts = {};
  const tabs = statuses.map((s) => {
    const count = el('span', { class: 'count' });
    counts[s || 'total'] = count;
    const t = el('button', {
      type: 'button', role: 'tab', id: `tab-${s || 'all'}`, 'data-status': s || 'all', 'aria-controls': panelId,
    }, s ? STATUS_LABEL[s] : 'All', ' ', count);
    t.addEventListener('click', () => select(s, true));
    return t;
  });
  const list = el('div', { role: 'tablist', class: 'tabs', 'aria-label': 'Status' }, tabs);
  list.addEventListener('keydown', (e) => {
    const i = statuses.indexOf(selected);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: statuses.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    select(statuses[(next + statuses.length) % statuses.length], true);
    tabs[statuses.indexOf(selected)].focus();
  });
  function select(s, notify) {
    selected = s;
    tabs.forEach((t, i) => {
      const on = statuses[i] === s;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
    });
    if (notify) onSelect(s);
  }
  select(selected, false);
  return {
    node: list,
    get value() { return selected; },
    labelledBy: () => `tab-${selected || 'all'}`,
    /** `stats` is a StatusCounts object. */
    setCounts(stats) {
      for (const [k, node] of Object.entries(counts)) node.textContent = stats ? `(${stats[k] ?? 0})` : '';
    },
  };
}
