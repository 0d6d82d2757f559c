// Approvals: items waiting for approval, grouped by customer (with the customer's logo), filtered by
// type, status, customer and date. The link in approval e-mails (?customerCode=&objectId=) opens the
// item directly.

import { get, withQuery } from '../api.js';
import { $, el, params, replace, select } from '../dom.js';
import { RANGES, rangeFor } from '../dates.js';
import { load, run, startPage } from '../components/layout.js';
import { objectCard } from '../components/cards.js';
import { customerName, loadCustomers } from '../components/customers.js';
import { openDetails } from '../components/details.js';
import { view } from '../model.js';

const TYPE_FILTER = { '': '', change: 'change', announcement: 'cic,finops,innersource,general' };

function logo(c) {
  if (!c || !c.logoUrl) return el('span', { class: 'logo placeholder', 'aria-hidden': 'true' }, (c ? c.name : '?').slice(0, 1));
  const img = el('img', { class: 'logo', src: c.logoUrl, alt: '', width: 28, height: 28, loading: 'lazy' });
  img.addEventListener('error', () => img.replaceWith(el('span', { class: 'logo placeholder', 'aria-hidden': 'true' }, c.name.slice(0, 1))));
  return img;
}

async function main() {
  const me = await startPage();
  const page = $('#page');
  const p = params();
  const customers = await loadCustomers();
  const type = select([['', 'Changes and announcements'], ['change', 'Changes'], ['announcement', 'Announcements']], p.type || '', { id: 'f-type' });
  const status = select([['submitted', 'Pending approval'], ['approved', 'Approved'], ['', 'All statuses']], p.status ?? 'submitted', { id: 'f-status' });
  const customer = select([['', 'All customers'], ...customers.map((c) => [c.code, c.name])], p.customerCode || p.customer || '', { id: 'f-customer' });
  const range = select(RANGES, p.range || '', { id: 'f-range' });
  const results = el('div', { id: 'groups', 'aria-live': 'polite' });
  const filters = el('form', { class: 'filters', 'aria-label': 'Filters' },
    el('div', { class: 'field' }, el('label', { for: type.id }, 'Type'), type),
    el('div', { class: 'field' }, el('label', { for: status.id }, 'Status'), status),
    el('div', { class: 'field' }, el('label', { for: customer.id }, 'Customer'), customer),
    el('div', { class: 'field' }, el('label', { for: range.id }, 'Modified'), range));
  replace(page, filters, results);

  const refresh = () => load(results, async () => {
    const q = { type: TYPE_FILTER[type.value], status: status.value, customer: customer.value, ...rangeFor(range.value), sort: 'modified', order: 'desc', limit: 500 };
    const data = await get(withQuery('/api/search', q));
    const groups = new Map();
    for (const it of data.items.map(view)) {
      for (const code of it.customers) {
        if (customer.value && code !== customer.value) continue;
        if (!groups.has(code)) groups.set(code, []);
        groups.get(code).push(it);
      }
    }
    const sorted = [...groups.entries()].sort(([a], [b]) => customerName(customers, a).localeCompare(customerName(customers, b)));
    replace(results,
      el('p', { class: 'muted' }, `${data.total} item${data.total === 1 ? '' : 's'}${data.nextCursor ? ' (showing the 500 most recent)' : ''}.`),
      sorted.length ? sorted.map(([code, items]) => {
        const c = customers.find((x) => x.code === code) || { code, name: code };
        return el('details', { class: 'group', open: true, 'data-customer': code },
          el('summary', {}, logo(c), el('span', { class: 'group-name' }, c.name), ' ', el('span', { class: 'count-badge' }, String(items.length))),
          el('div', { class: 'card-list' }, items.map((it) => objectCard(me, it, { onChanged: refresh }))));
      }) : el('p', { class: 'empty' }, status.value === 'submitted' ? 'Nothing is waiting for approval.' : 'Nothing matches these filters.'));
  }, 'the approvals');

  for (const f of [type, status, customer, range]) f.addEventListener('change', refresh);
  await refresh();
  if (p.objectId) openDetails(me, p.objectId, { onChanged: refresh });
}

run(main);
