// Approvals: items waiting for approval, grouped by customer (with the customer's logo), filtered by
// type, status, customer and date. The link in approval e-mails (?customerCode=&objectId=) opens the
// item directly. Each item waiting for approval shows, per customer, who has approved and who is
// still needed (the customer's approval policy), blackout overrides and conflicts of its window.

import { describeError, get, withQuery } from '../api.js';
import { $, el, params, replace, select } from '../dom.js';
import { RANGES, rangeFor } from '../dates.js';
import { load, run, startPage } from '../components/layout.js';
import { objectCard } from '../components/cards.js';
import { customerName, loadCustomers } from '../components/customers.js';
import { openDetails } from '../components/details.js';
import { view } from '../model.js';
import { formatInstant } from '../dates.js';
import { warningList } from '../components/warnings.js';

/** Who approved and who is still needed, per customer, with overrides and conflicts. */
export function approvalProgress(s) {
  const customers = s.customers.map((c) => {
    const who = c.approvedBy.map((a) => `${a.user} (${formatInstant(a.at, undefined, true)})`).join(', ');
    const from = c.approverGroups.length ? ` from ${c.approverGroups.join(' or ')}` : '';
    const team = c.authorTeamMayApprove ? '' : ', not the author\'s team';
    return el('li', { class: c.met ? 'met' : 'pending', 'data-customer': c.customer },
      el('strong', {}, c.customer), `: ${c.approvedBy.length} of ${c.quorum} approval${c.quorum === 1 ? '' : 's'}`,
      who ? [' — approved by ', el('span', { class: 'approved-by' }, who)] : null,
      c.met ? el('span', { class: 'muted' }, ' ✓ met') : el('span', { class: 'still-needed' }, ` — still needed: ${c.stillNeeded}${from}${team}`));
  });
  return el('div', { class: 'approval-box' },
    el('ul', { class: 'approval-progress', 'aria-label': 'Approvals per customer' }, customers),
    s.overrides.map((o) => el('p', { class: 'override-note' }, el('strong', {}, 'Blackout override: '),
      `${o.action === 'approve' ? 'approved' : 'submitted'} by ${o.user_id} through ${o.blackouts.map((b) => b.name).join(', ')} — `,
      el('q', {}, o.reason))),
    warningList(s.warnings),
    s.status === 'submitted' && !s.canApprove && s.cannotApproveReason ? el('p', { class: 'muted' }, `You cannot approve: ${s.cannotApproveReason}.`) : null);
}

/** Fills the boxes of `id` (one per customer group it is listed in) with its approval status. */
async function fillProgress(boxes, id) {
  let s;
  try {
    s = await get(`/api/approvals/${encodeURIComponent(id)}`);
  } catch (e) {
    if (e.status !== 401) for (const box of boxes) replace(box, el('p', { class: 'muted' }, `Approval status unavailable: ${describeError(e)}`));
    return;
  }
  for (const box of boxes) {
    replace(box, approvalProgress(s));
    // An approval that would not count (already given, wrong group or team) is not offered.
    const approve = box.closest('article') && box.closest('article').querySelector('.action-approve');
    if (approve && !s.canApprove) approve.hidden = true;
  }
}

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
    const progress = new Map();
    const boxFor = (it) => {
      if (it.status !== 'submitted') return null;
      const box = el('div', { class: 'progress-box', 'data-progress': it.id, 'aria-live': 'polite' });
      if (!progress.has(it.id)) progress.set(it.id, []);
      progress.get(it.id).push(box);
      return box;
    };
    const sorted = [...groups.entries()].sort(([a], [b]) => customerName(customers, a).localeCompare(customerName(customers, b)));
    replace(results,
      el('p', { class: 'muted' }, `${data.total} item${data.total === 1 ? '' : 's'}${data.nextCursor ? ' (showing the 500 most recent)' : ''}.`),
      sorted.length ? sorted.map(([code, items]) => {
        const c = customers.find((x) => x.code === code) || { code, name: code };
        return el('details', { class: 'group', open: true, 'data-customer': code },
          el('summary', {}, logo(c), el('span', { class: 'group-name' }, c.name), ' ', el('span', { class: 'count-badge' }, String(items.length))),
          el('div', { class: 'card-list' }, items.map((it) => objectCard(me, it, { onChanged: refresh, extra: boxFor(it) }))));
      }) : el('p', { class: 'empty' }, status.value === 'submitted' ? 'Nothing is waiting for approval.' : 'Nothing matches these filters.'));
    // One request per waiting item, a few at a time; an item shown under several customers shares it.
    const queue = [...progress.entries()];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [id, boxes] = next;
        await fillProgress(boxes, id);
      }
    };
    await Promise.all(Array.from({ length: 4 }, worker));
  }, 'the approvals');

  for (const f of [type, status, customer, range]) f.addEventListener('change', refresh);
  await refresh();
  if (p.objectId) openDetails(me, p.objectId, { onChanged: refresh });
}

run(main);
