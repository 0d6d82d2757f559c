// What became of an object's notifications, per customer the user may see: sent, delivered, bounced,
// complained, rejected (SES's delivery feedback), and the addresses that bounced or complained
// (masked by the API for customer-scoped users). Loaded when shown; every value goes in as text.

import { describeError, get, objectPath } from '../api.js';
import { el, errorBox, loading, replace } from '../dom.js';

const COLUMNS = [['sent', 'Sent'], ['delivered', 'Delivered'], ['bounced', 'Bounced'], ['complained', 'Complained'], ['rejected', 'Rejected']];

/** The rows of the deliveries table (exported for the unit tests). */
export function deliveryRows(customers) {
  return customers.map((c) => el('tr', { 'data-customer': c.customer },
    el('th', { scope: 'row' }, c.customer),
    COLUMNS.map(([k]) => el('td', { class: `num ${k}${(k === 'bounced' || k === 'complained') && c[k] > 0 ? ' warn' : ''}` }, String(c[k] ?? 0))),
    el('td', { class: 'addresses' },
      c.bounced_addresses.length ? el('div', { class: 'bounced-addresses' }, 'Bounced: ', c.bounced_addresses.join(', ')) : null,
      c.complained_addresses.length ? el('div', { class: 'complained-addresses' }, 'Complained: ', c.complained_addresses.join(', ')) : null)));
}

/** A section with the object's deliveries (objects that were ever sent; null for drafts). */
export function deliveriesSection(v) {
  if (v.status === 'draft') return null;
  const box = el('div', { class: 'deliveries', 'aria-busy': 'true' }, loading('Loading the deliveries…'));
  const section = el('section', { class: 'deliveries-section', 'aria-label': 'Deliveries' }, el('h3', {}, 'Deliveries'), box);
  get(`${objectPath(v.id)}/deliveries`).then((r) => {
    box.removeAttribute('aria-busy');
    replace(box, r.customers.length
      ? el('div', { class: 'table-wrap' }, el('table', { class: 'deliveries-table' },
        el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'Customer'), COLUMNS.map(([, label]) => el('th', { scope: 'col' }, label)),
          el('th', { scope: 'col' }, 'Addresses'))),
        el('tbody', {}, deliveryRows(r.customers))))
      : el('p', { class: 'empty' }, 'Nothing sent yet.'));
  }).catch((e) => { if (e.status !== 401) replace(box, errorBox(`Could not load the deliveries: ${describeError(e)}`)); });
  return section;
}
