// Search: every filter the API offers, sort, cursor pagination, CSV export of the results and saved
// searches stored per user on the server.

import { describeError, get, request, withQuery } from '../api.js';
import { $, $$, el, params, replace, select } from '../dom.js';
import { RANGES, dayEnd, dayStart, rangeFor, timeShort } from '../dates.js';
import { load, run, startPage } from '../components/layout.js';
import { loadCustomers } from '../components/customers.js';
import { openDetails } from '../components/details.js';
import { download, toCsv } from '../components/csv.js';
import { confirmDialog } from '../components/modal.js';
import { toast } from '../components/toast.js';
import { STATUSES, STATUS_LABEL, TYPES, statusBadge, typeBadge } from '../model.js';

const EXPORT_MAX = 20000;
const COLUMNS = [['id', 'ID'], ['type', 'Type'], ['status', 'Status'], ['title', 'Title'], ['summary', 'Summary'], ['customers', 'Customers'],
  ['createdBy', 'Created by'], ['submittedBy', 'Submitted by'], ['createdAt', 'Created at (UTC)'], ['modifiedAt', 'Modified at (UTC)'],
  ['modifiedBy', 'Modified by'], ['start', 'Start (UTC)'], ['end', 'End (UTC)'], ['timezone', 'Time zone'], ['version', 'Version']];

function checks(name, options, chosen) {
  return el('div', { class: 'check-row radio-row' }, options.map(([v, label]) => {
    const id = `${name}-${v}`;
    return el('span', { class: 'check' }, el('input', { type: 'checkbox', name, value: v, id, checked: chosen.includes(v) }), el('label', { for: id }, label));
  }));
}
const checked = (root, name) => $$(`input[name="${name}"]:checked`, root).map((c) => c.value);

async function main() {
  const me = await startPage();
  const page = $('#page');
  const customers = await loadCustomers();
  const p = params();
  const list = (k) => (p[k] ? p[k].split(',') : []);

  const q = el('input', { type: 'search', id: 's-q', name: 'q', value: p.q || '', placeholder: 'Words in the title, text, id or tickets' });
  const createdBy = el('input', { type: 'text', id: 's-createdBy', value: p.createdBy || '', placeholder: 'part of an e-mail address' });
  const mine = el('input', { type: 'checkbox', id: 's-mine', checked: p.mine === 'true' });
  const dateField = select([['modified', 'Modified'], ['created', 'Created'], ['start', 'Start of window or meeting']], p.dateField || 'modified', { id: 's-dateField' });
  const range = select([...RANGES, ['custom', 'Custom dates']], p.range || (p.from || p.to ? 'custom' : ''), { id: 's-range' });
  const from = el('input', { type: 'date', id: 's-from', value: p.from || '' });
  const to = el('input', { type: 'date', id: 's-to', value: p.to || '' });
  const sort = select([['modified', 'Modified'], ['created', 'Created'], ['start', 'Start'], ['title', 'Title'], ['status', 'Status']], p.sort || 'modified', { id: 's-sort' });
  const order = select([['desc', 'Descending'], ['asc', 'Ascending']], p.order || 'desc', { id: 's-order' });
  const limit = select([['25', '25'], ['50', '50'], ['100', '100'], ['200', '200']], p.limit || '25', { id: 's-limit' });
  const statusChecks = checks('status', STATUSES.map((s) => [s, STATUS_LABEL[s]]), list('status'));
  const typeChecks = checks('type', Object.entries(TYPES).map(([k, t]) => [k, t.label]), list('type'));
  const customerChecks = checks('customer', customers.map((c) => [c.code, c.name]), list('customer'));
  const customDates = el('div', { class: 'row' }, el('label', { for: from.id }, 'From'), from, el('label', { for: to.id }, 'to'), to);
  const syncDates = () => { customDates.hidden = range.value !== 'custom'; };
  range.addEventListener('change', syncDates);
  syncDates();

  const form = el('form', { class: 'filters search-form', role: 'search', 'aria-label': 'Search changes and announcements' },
    el('div', { class: 'field wide' }, el('label', { for: q.id }, 'Search for'), q),
    el('fieldset', { class: 'wide' }, el('legend', {}, 'Status'), statusChecks),
    el('fieldset', { class: 'wide' }, el('legend', {}, 'Type'), typeChecks),
    el('details', { class: 'wide', open: Boolean(p.customer || p.createdBy || p.mine) }, el('summary', {}, 'More filters'),
      el('fieldset', {}, el('legend', {}, 'Customers (any of)'), customerChecks),
      el('div', { class: 'grid' },
        el('div', { class: 'field' }, el('label', { for: createdBy.id }, 'Created by'), createdBy),
        el('div', { class: 'check' }, mine, el('label', { for: mine.id }, 'Only mine (created or submitted by me)')))),
    el('div', { class: 'field' }, el('label', { for: dateField.id }, 'Date'), dateField),
    el('div', { class: 'field' }, el('label', { for: range.id }, 'Range'), range),
    el('div', { class: 'field' }, el('label', { for: sort.id }, 'Sort by'), sort),
    el('div', { class: 'field' }, el('label', { for: order.id }, 'Order'), order),
    el('div', { class: 'wide' }, customDates),
    el('div', { class: 'row wide' }, el('button', { type: 'submit', class: 'primary' }, 'Search'),
      el('button', { type: 'button', id: 's-reset', onclick: () => location.assign(location.pathname) }, 'Reset'),
      el('label', { for: limit.id }, 'Per page'), limit));

  const results = el('div', { id: 'results', 'aria-live': 'polite' });
  const exportBtn = el('button', { type: 'button', id: 'export-csv' }, 'Export CSV');
  const exportStatus = el('span', { class: 'muted', role: 'status' });
  const savedBox = el('div', { id: 'saved-searches' });
  replace(page,
    el('section', { 'aria-labelledby': 'h-saved', class: 'saved' }, el('h2', { id: 'h-saved' }, 'Saved searches'), savedBox),
    form,
    el('div', { class: 'toolbar' }, el('h2', {}, 'Results'), el('span', { class: 'row' }, exportStatus, exportBtn)),
    results);

  /** The filters as stored in the URL and in saved searches. */
  function state() {
    const s = {
      q: q.value.trim(), status: checked(form, 'status').join(','), type: checked(form, 'type').join(','), customer: checked(form, 'customer').join(','),
      createdBy: createdBy.value.trim(), mine: mine.checked ? 'true' : '', dateField: dateField.value === 'modified' ? '' : dateField.value,
      range: range.value, from: range.value === 'custom' ? from.value : '', to: range.value === 'custom' ? to.value : '',
      sort: sort.value === 'modified' ? '' : sort.value, order: order.value === 'desc' ? '' : order.value, limit: limit.value === '25' ? '' : limit.value,
    };
    return Object.fromEntries(Object.entries(s).filter(([, v]) => v));
  }
  /** The API query of a state. */
  function apiQuery(s) {
    const dates = s.range === 'custom' ? { from: dayStart(s.from), to: dayEnd(s.to) } : rangeFor(s.range);
    return { q: s.q, status: s.status, type: s.type, customer: s.customer, createdBy: s.createdBy, mine: s.mine, dateField: s.dateField, sort: s.sort, order: s.order, ...dates };
  }

  let cursors = [null];
  let pageNo = 0;
  let lastState = state();
  const show = () => load(results, async () => {
    const s = lastState;
    const size = Number(s.limit || 25);
    const data = await get(withQuery('/api/search', { ...apiQuery(s), limit: size, cursor: cursors[pageNo] }));
    if (data.nextCursor) cursors[pageNo + 1] = data.nextCursor;
    const prev = el('button', { type: 'button', disabled: pageNo === 0 }, '← Previous');
    const next = el('button', { type: 'button', disabled: !data.nextCursor }, 'Next →');
    prev.addEventListener('click', () => { pageNo -= 1; show(); });
    next.addEventListener('click', () => { pageNo += 1; show(); });
    const pages = Math.max(1, Math.ceil(data.total / size));
    replace(results,
      el('p', { class: 'muted', id: 'result-count' }, `${data.total} result${data.total === 1 ? '' : 's'} · page ${pageNo + 1} of ${pages}`),
      data.items.length ? el('div', { class: 'table-wrap' }, el('table', { class: 'results' },
        el('caption', { class: 'visually-hidden' }, 'Search results'),
        el('thead', {}, el('tr', {}, ['Title', 'Type', 'Status', 'Customers', 'Created by', 'Modified', 'Start'].map((h) => el('th', { scope: 'col' }, h)))),
        el('tbody', {}, data.items.map((it) => {
          const open = el('button', { type: 'button', class: 'link-button' }, it.title || '(untitled)');
          open.addEventListener('click', () => openDetails(me, it.id, { onChanged: show }));
          return el('tr', { 'data-id': it.id }, el('td', {}, open, el('br'), el('code', {}, it.id)), el('td', {}, typeBadge(it.type)),
            el('td', {}, statusBadge(it.status)), el('td', {}, it.customers.join(', ')), el('td', {}, it.createdBy || ''),
            el('td', {}, timeShort(it.modifiedAt)), el('td', {}, timeShort(it.start)));
        })))) : el('p', { class: 'empty' }, 'Nothing matches.'),
      el('nav', { class: 'row pager', 'aria-label': 'Result pages' }, prev, next));
  }, 'the results');

  function search() {
    lastState = state();
    cursors = [null];
    pageNo = 0;
    history.replaceState(null, '', withQuery(location.pathname, lastState));
    return show();
  }
  form.addEventListener('submit', (e) => { e.preventDefault(); search(); });

  exportBtn.addEventListener('click', async () => {
    exportBtn.disabled = true;
    try {
      const rows = [];
      let cursor = null;
      do {
        exportStatus.textContent = `Fetching results… ${rows.length}`;
        const data = await get(withQuery('/api/search', { ...apiQuery(lastState), limit: 500, cursor }));
        rows.push(...data.items);
        cursor = data.nextCursor;
      } while (cursor && rows.length < EXPORT_MAX);
      const stamp = new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '');
      download(`ccm-search-${stamp}.csv`, toCsv(COLUMNS, rows));
      exportStatus.textContent = `Exported ${rows.length} row${rows.length === 1 ? '' : 's'}${cursor ? ` (the first ${EXPORT_MAX})` : ''}.`;
    } catch (e) {
      exportStatus.textContent = '';
      toast(`Export failed: ${describeError(e)}`, 'error');
    } finally { exportBtn.disabled = false; }
  });

  // Saved searches: the whole list is read and written at once (PUT replaces it).
  let saved = [];
  const nameInput = el('input', { type: 'text', id: 'saved-name', maxlength: 80, placeholder: 'e.g. Acme this quarter' });
  const saveBtn = el('button', { type: 'button', id: 'save-search' }, 'Save current search');
  async function storeSaved(items, message) {
    await request('PUT', '/api/saved-searches', { body: { items } });
    saved = items;
    drawSaved();
    toast(message, 'success');
  }
  function drawSaved() {
    replace(savedBox,
      saved.length ? el('ul', { class: 'list saved-searches' }, saved.map((s) => {
        const apply = el('button', { type: 'button', class: 'link-button' }, s.name);
        apply.addEventListener('click', () => location.assign(withQuery(location.pathname, s.query || {})));
        const del = el('button', { type: 'button', class: 'danger-outline', 'aria-label': `Delete saved search ${s.name}` }, 'Delete');
        del.addEventListener('click', async () => {
          if (!(await confirmDialog('Delete this saved search?', [s.name], { confirmLabel: 'Delete', danger: true }))) return;
          try { await storeSaved(saved.filter((x) => x !== s), `Deleted "${s.name}".`); } catch (e) { toast(describeError(e), 'error'); }
        });
        return el('li', {}, apply, del);
      })) : el('p', { class: 'empty' }, 'No saved searches yet.'),
      el('div', { class: 'row' }, el('label', { for: nameInput.id }, 'Name'), nameInput, saveBtn));
  }
  saveBtn.addEventListener('click', async () => {
    const name = nameInput.value.trim();
    if (!name) { nameInput.focus(); toast('Give the search a name first.', 'error'); return; }
    if (saved.length >= 50 && !saved.some((s) => s.name === name)) { toast('You can keep at most 50 saved searches; delete one first.', 'error'); return; }
    try {
      await storeSaved([...saved.filter((s) => s.name !== name), { name, query: state() }], `Saved "${name}".`);
      nameInput.value = '';
    } catch (e) { toast(`Could not save: ${describeError(e)}`, 'error'); }
  });
  load(savedBox, async () => {
    try {
      saved = (await get('/api/saved-searches')).items || [];
      drawSaved();
    } catch (e) {
      if (e.status !== 404) throw e;
      replace(savedBox, el('p', { class: 'muted' }, 'Saved searches are not available on this server.'));
    }
  }, 'your saved searches');
  search();
}

run(main);
