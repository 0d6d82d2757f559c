// The modification timeline of an object: newest first, ten at a time, filterable by kind of event.

import { el, nextId } from '../dom.js';
import { formatInstant, timeShort } from '../dates.js';

const LABEL = {
  created: 'Created', updated: 'Edited', submitted: 'Submitted', approved: 'Approved', completed: 'Completed',
  cancelled: 'Cancelled', deleted: 'Deleted', meeting_scheduled: 'Meeting scheduled', meeting_cancelled: 'Meeting cancelled',
  processed: 'Notified', partially_approved: 'Approval recorded',
};

export function timeline(modifications = [], { pageSize = 10 } = {}) {
  const entries = [...modifications].sort((a, b) => String(b.timestamp).localeCompare(String(a.timestamp)));
  const kinds = [...new Set(entries.map((m) => m.modification_type))];
  const id = nextId('tl');
  const filter = el('select', { id: `${id}-kind` }, el('option', { value: '' }, 'All events'),
    kinds.map((k) => el('option', { value: k }, LABEL[k] || k)));
  const list = el('ol', { class: 'timeline', id });
  const more = el('button', { type: 'button', class: 'link-button' });
  let shown = pageSize;

  function render() {
    const chosen = entries.filter((m) => !filter.value || m.modification_type === filter.value);
    list.replaceChildren(...chosen.slice(0, shown).map((m) => el('li', { class: `tl-${m.modification_type}` },
      el('span', { class: 'tl-kind' }, LABEL[m.modification_type] || m.modification_type),
      ' by ', el('span', { class: 'tl-user' }, m.user_id || 'system'),
      m.customer_code ? el('span', { class: 'muted' }, ` for ${m.customer_code}`) : null,
      ' · ', el('span', { title: formatInstant(m.timestamp, 'UTC') }, timeShort(m.timestamp)),
      m.meeting_metadata && m.meeting_metadata.join_url
        ? el('span', {}, ' · ', el('a', { href: m.meeting_metadata.join_url, target: '_blank', rel: 'noopener' }, 'meeting link')) : null,
      m.comment ? el('div', { class: 'muted' }, m.comment) : null)));
    if (!chosen.length) list.append(el('li', { class: 'muted' }, 'No events.'));
    more.hidden = chosen.length <= shown;
    more.textContent = `Show ${Math.min(pageSize, chosen.length - shown)} more of ${chosen.length - shown}`;
  }
  filter.addEventListener('change', () => { shown = pageSize; render(); });
  more.addEventListener('click', () => { shown += pageSize; render(); });
  render();
  return el('section', { class: 'timeline-box', 'aria-label': 'History' },
    el('div', { class: 'row' }, el('h3', {}, 'History'), el('label', { for: filter.id, class: 'visually-hidden' }, 'Show events'), filter),
    list, more);
}
