// One object in a list: title (opens the details), type and status, customers, schedule, actions.

import { el } from '../dom.js';
import { timeBoth, timeShort } from '../dates.js';
import { statusBadge, typeBadge } from '../model.js';
import { actionButtons } from './actions.js';
import { openDetails } from './details.js';

export function objectCard(me, v, { onChanged, actions = true, headingLevel = 'h3', extra = null } = {}) {
  const open = el('button', { type: 'button', class: 'link-button title', 'data-id': v.id }, v.title || '(untitled)');
  open.addEventListener('click', () => openDetails(me, v.id, { onChanged }));
  return el('article', { class: `card object status-${v.status}`, 'data-id': v.id },
    el('div', { class: 'card-head' }, el(headingLevel, {}, open), el('span', { class: 'badges' }, typeBadge(v.type), statusBadge(v.status))),
    v.summary ? el('p', { class: 'summary' }, v.summary) : null,
    el('p', { class: 'meta' },
      el('code', {}, v.id), ' · ', v.customers.length ? v.customers.join(', ') : 'no customers',
      v.createdBy ? ` · by ${v.createdBy}` : '', ' · modified ', timeShort(v.modifiedAt)),
    v.start ? el('p', { class: 'meta' }, v.type === 'change' ? 'Window: ' : 'Meeting: ', timeBoth(v.start, v.timezone)) : null,
    extra,
    actions ? el('div', { class: 'actions' }, actionButtons(me, v, { onChanged, compact: true })) : null);
}

/** A list of cards with an empty message. */
export function cardList(me, items, opts = {}, empty = 'Nothing here.') {
  if (!items.length) return el('p', { class: 'empty' }, empty);
  return el('div', { class: 'card-list' }, items.map((v) => objectCard(me, v, opts)));
}
