// Change calendar: month, week and list views of implementation windows and meetings, filtered by
// customer, status and type, with blackout windows shaded (and named, not only coloured). Every
// entry is a button that opens the object. Times are the viewer's. The feeds section lists the
// subscribable calendar URLs (no sign-in needed) and revokes them.

import { describeError, get, post, withQuery } from '../api.js';
import { $, el, params, replace, select } from '../dom.js';
import { addDays, formatInstant, localParts, viewerZone } from '../dates.js';
import { load, run, startPage } from '../components/layout.js';
import { loadCustomers } from '../components/customers.js';
import { openDetails } from '../components/details.js';
import { confirmDialog } from '../components/modal.js';
import { toast } from '../components/toast.js';
import { STATUS_LABEL, TYPES } from '../model.js';

const VIEWS = [['month', 'Month'], ['week', 'Week'], ['list', 'List']];
const WEEKDAYS = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
const TYPE_FILTER = { '': '', change: 'change', announcement: 'cic,finops,innersource,general' };

const dayKey = (d) => localParts(d.toISOString(), viewerZone()).date;
const atMidnight = (d) => { const x = new Date(d.getTime()); x.setHours(0, 0, 0, 0); return x; };
/** Monday of the week of `d`, at midnight (local). */
const weekStart = (d) => addDays(atMidnight(d), -((d.getDay() + 6) % 7));
const fromKey = (key) => { const [y, m, dd] = key.split('-').map(Number); return new Date(y, m - 1, dd); };

const timeFmt = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const dayFmt = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const monthFmt = new Intl.DateTimeFormat(undefined, { month: 'long', year: 'numeric' });
const shortDay = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });

/** The range a view shows around `anchor`: [from, to) as local midnights, and its days. */
function rangeOf(view, anchor) {
  let from;
  let days;
  if (view === 'week') { from = weekStart(anchor); days = 7; }
  else if (view === 'month') { from = weekStart(new Date(anchor.getFullYear(), anchor.getMonth(), 1)); days = 42; }
  else { from = new Date(anchor.getFullYear(), anchor.getMonth(), 1); days = new Date(anchor.getFullYear(), anchor.getMonth() + 1, 0).getDate(); }
  const list = Array.from({ length: days }, (_, i) => addDays(from, i));
  return { from, to: addDays(from, days), days: list };
}

function title(view, anchor, range) {
  if (view === 'week') return `Week of ${shortDay.format(range.from)} – ${shortDay.format(addDays(range.to, -1))}`;
  return monthFmt.format(anchor);
}

/** Every item of the calendar as {kind, start, end, entry|blackout}: windows, meetings, blackouts. */
function items(data) {
  const out = [];
  for (const e of data.entries) {
    if (e.start) out.push({ kind: e.type === 'change' ? 'window' : 'meeting', start: e.start, end: e.end || e.start, entry: e });
    if (e.meetingStart) out.push({ kind: 'meeting', start: e.meetingStart, end: e.meetingEnd || e.meetingStart, entry: e });
  }
  return out.sort((a, b) => a.start.localeCompare(b.start) || a.entry.id.localeCompare(b.entry.id));
}

/** The local days [start, end) touches (an instant touches its own day). */
function daysOf(startIso, endIso) {
  const out = [];
  const last = new Date(Math.max(new Date(endIso).getTime() - 1, new Date(startIso).getTime()));
  for (let d = atMidnight(new Date(startIso)); d <= last && out.length < 400; d = addDays(d, 1)) out.push(dayKey(d));
  return out;
}

function byDay(list, key = (x) => daysOf(x.start, x.end)) {
  const map = new Map();
  for (const x of list) for (const k of key(x)) { if (!map.has(k)) map.set(k, []); map.get(k).push(x); }
  return map;
}

function entryButton(me, it, onChanged) {
  const e = it.entry;
  const icon = it.kind === 'meeting' ? '📅' : (TYPES[e.type] || {}).icon || '•';
  const label = `${it.kind === 'meeting' ? 'Meeting: ' : ''}${e.title || e.id}`;
  const b = el('button', {
    type: 'button', class: `cal-entry status-${e.status} kind-${it.kind}`, 'data-id': e.id,
    'aria-label': `${label}, ${STATUS_LABEL[e.status] || e.status}, ${formatInstant(it.start)} to ${formatInstant(it.end)}, ${e.customers.join(', ')}`,
  }, el('span', { class: 'cal-time' }, timeFmt.format(new Date(it.start))), ' ', el('span', { 'aria-hidden': 'true' }, icon), ' ',
  el('span', { class: 'cal-title' }, label));
  b.addEventListener('click', () => openDetails(me, e.id, { onChanged }));
  return b;
}

function blackoutNotes(list) {
  if (!list || !list.length) return null;
  return el('ul', { class: 'cal-blackouts' }, list.map((b) => el('li', { title: b.reason },
    el('span', { 'aria-hidden': 'true' }, '⛔ '), `Blackout: ${b.name}`, b.global ? '' : ` (${b.customers.join(', ')})`)));
}

function dayCell(me, day, { entries, blackouts, inMonth, today, onChanged }) {
  const key = dayKey(day);
  const cls = ['cal-day', inMonth ? '' : 'other-month', key === today ? 'today' : '', blackouts.length ? 'cal-blackout' : '', entries.length ? '' : 'empty-day'].filter(Boolean).join(' ');
  return el('td', { class: cls, 'data-day': key, 'aria-label': dayFmt.format(day) },
    el('div', { class: 'cal-date' }, el('time', { datetime: key }, String(day.getDate())),
      el('span', { class: 'cal-date-long' }, dayFmt.format(day))),
    blackoutNotes(blackouts),
    entries.length ? el('ul', { class: 'cal-entries' }, entries.map((it) => el('li', {}, entryButton(me, it, onChanged)))) : null);
}

function gridView(me, view, range, anchor, data, onChanged) {
  const all = items(data);
  const entries = byDay(all);
  const blackouts = byDay(data.blackouts);
  const today = dayKey(new Date());
  const weeks = [];
  for (let i = 0; i < range.days.length; i += 7) weeks.push(range.days.slice(i, i + 7));
  return el('table', { class: `cal-grid cal-${view}`, 'aria-label': title(view, anchor, range) },
    el('thead', {}, el('tr', {}, WEEKDAYS.map((d) => el('th', { scope: 'col' }, d)))),
    el('tbody', {}, weeks.map((week) => el('tr', {}, week.map((day) => dayCell(me, day, {
      entries: entries.get(dayKey(day)) || [], blackouts: blackouts.get(dayKey(day)) || [],
      inMonth: view !== 'month' || day.getMonth() === anchor.getMonth(), today, onChanged,
    }))))));
}

function listView(me, range, data, onChanged) {
  const all = items(data);
  const entries = byDay(all, (x) => [dayKey(new Date(x.start))]);
  const blackouts = byDay(data.blackouts);
  const days = range.days.map(dayKey).filter((k) => entries.has(k) || blackouts.has(k));
  if (!days.length) return el('p', { class: 'empty' }, 'Nothing is scheduled in this month.');
  return el('ol', { class: 'cal-list' }, days.map((k) => el('li', { class: blackouts.has(k) ? 'cal-blackout' : null, 'data-day': k },
    el('h3', {}, dayFmt.format(fromKey(k))),
    blackoutNotes(blackouts.get(k)),
    entries.has(k) ? el('ul', { class: 'cal-entries' }, entries.get(k).map((it) => el('li', {},
      entryButton(me, it, onChanged), ' ', el('span', { class: 'muted' }, `until ${formatInstant(it.end, viewerZone(), true)} · ${it.entry.customers.join(', ')}`)))) : null)));
}

function feedsSection(me, customers) {
  const box = el('div', { 'aria-live': 'polite' });
  const render = (feeds) => replace(box, el('ul', { class: 'feed-list' }, feeds.map((f) => {
    const id = `feed-${f.customer || 'mine'}`;
    const input = el('input', { id, type: 'text', readonly: true, value: f.url, class: 'feed-url' });
    input.addEventListener('focus', () => input.select());
    const copy = el('button', { type: 'button', 'aria-label': `Copy the link of ${f.name}` }, 'Copy');
    copy.addEventListener('click', async () => {
      try { await navigator.clipboard.writeText(f.url); toast('Link copied.', 'success'); }
      catch { input.focus(); toast('Press Ctrl+C to copy the selected link.', 'info'); }
    });
    const canRevoke = f.kind === 'user' || me.roles.includes('admin');
    const revoke = canRevoke && el('button', { type: 'button', class: 'danger-outline', 'aria-label': `Revoke the link of ${f.name}` }, 'Revoke');
    if (revoke) revoke.addEventListener('click', async () => {
      const ok = await confirmDialog('Revoke this link?', `Calendars subscribed to the current link of "${f.name}" stop updating; a new link is made.`, { confirmLabel: 'Revoke', danger: true });
      if (!ok) return;
      try {
        const r = await post('/api/calendar/feeds/revoke', f.kind === 'user' ? { feed: 'user' } : { feed: 'customer', customer: f.customer });
        render(r.feeds);
        toast('Revoked. Subscribe again with the new link.', 'success');
      } catch (e) { toast(`Could not revoke: ${describeError(e)}`, 'error'); }
    });
    return el('li', { class: 'field' }, el('label', { for: id }, f.kind === 'user' ? 'My calendar (everything I may see)' : f.name),
      el('div', { class: 'row' }, input, copy, el('a', { class: 'button', href: f.webcal }, 'Open in calendar app'), revoke || null));
  })));
  const details = el('details', { class: 'clone', id: 'feeds' },
    el('summary', {}, 'Subscribe in your calendar app'),
    el('p', { class: 'hint' }, 'These links need no sign-in: treat them like passwords. Windows that are cancelled disappear and moved ones move at the next refresh.'),
    box);
  details.addEventListener('toggle', () => {
    if (details.open && !box.childElementCount) load(box, async () => render((await get('/api/calendar/feeds')).feeds), 'the calendar links');
  }, { once: false });
  return details;
}

async function main() {
  const me = await startPage();
  const page = $('#page');
  const p = params();
  const customers = await loadCustomers();
  const narrow = window.matchMedia('(max-width: 700px)').matches;
  let view = VIEWS.some(([v]) => v === p.view) ? p.view : (narrow ? 'list' : 'month');
  let anchor = p.date && /^\d{4}-\d{2}-\d{2}$/.test(p.date) ? fromKey(p.date) : atMidnight(new Date());

  const customer = select([['', 'All customers'], ...customers.map((c) => [c.code, c.name])], p.customer || '', { id: 'f-customer' });
  const status = select([['', 'All but cancelled'], ['submitted', 'Submitted'], ['approved', 'Approved'], ['completed', 'Completed'], ['draft', 'My drafts'], ['cancelled', 'Cancelled']], p.status || '', { id: 'f-status' });
  const type = select([['', 'Changes and announcements'], ['change', 'Changes'], ['announcement', 'Announcements']], p.type || '', { id: 'f-type' });
  const viewButtons = VIEWS.map(([v, label]) => {
    const b = el('button', { type: 'button', 'data-view': v, 'aria-pressed': String(v === view) }, label);
    b.addEventListener('click', () => { view = v; refresh(); });
    return b;
  });
  const prev = el('button', { type: 'button', id: 'cal-prev', 'aria-label': 'Previous' }, '‹ Previous');
  const next = el('button', { type: 'button', id: 'cal-next', 'aria-label': 'Next' }, 'Next ›');
  const todayBtn = el('button', { type: 'button', id: 'cal-today' }, 'Today');
  const heading = el('h2', { id: 'cal-title', 'aria-live': 'polite' });
  const body = el('div', { id: 'cal-body' });
  const note = el('p', { class: 'muted', id: 'cal-note' });
  replace(page,
    el('form', { class: 'filters', 'aria-label': 'Filters' },
      el('div', { class: 'field' }, el('label', { for: customer.id }, 'Customer'), customer),
      el('div', { class: 'field' }, el('label', { for: status.id }, 'Status'), status),
      el('div', { class: 'field' }, el('label', { for: type.id }, 'Type'), type),
      el('div', { class: 'field' }, el('span', { class: 'label', id: 'view-label' }, 'View'),
        el('div', { class: 'row cal-views', role: 'group', 'aria-labelledby': 'view-label' }, viewButtons))),
    el('div', { class: 'toolbar' }, el('div', { class: 'row' }, prev, todayBtn, next), heading,
      el('a', { href: '/blackouts.html' }, 'Blackout windows')),
    note, body, feedsSection(me, customers));

  const move = (dir) => {
    anchor = view === 'week' ? addDays(anchor, 7 * dir) : new Date(anchor.getFullYear(), anchor.getMonth() + dir, 1);
    refresh();
  };
  prev.addEventListener('click', () => move(-1));
  next.addEventListener('click', () => move(1));
  todayBtn.addEventListener('click', () => { anchor = atMidnight(new Date()); refresh(); });
  for (const f of [customer, status, type]) f.addEventListener('change', () => refresh());

  async function refresh() {
    for (const b of viewButtons) b.setAttribute('aria-pressed', String(b.dataset.view === view));
    const range = rangeOf(view, anchor);
    heading.textContent = title(view, anchor, range);
    history.replaceState(null, '', withQuery('/calendar.html', { view, date: dayKey(anchor), customer: customer.value, status: status.value, type: type.value }));
    await load(body, async () => {
      const data = await get(withQuery('/api/calendar', {
        from: range.from.toISOString(), to: range.to.toISOString(),
        customer: customer.value, status: status.value, type: TYPE_FILTER[type.value],
      }));
      note.textContent = `${data.total} item${data.total === 1 ? '' : 's'}${data.truncated ? ` (showing the first ${data.entries.length})` : ''}; `
        + `${data.blackouts.length} blackout period${data.blackouts.length === 1 ? '' : 's'}. Times in ${viewerZone()}.`;
      replace(body, view === 'list' ? listView(me, range, data, refresh) : gridView(me, view, range, anchor, data, refresh));
    }, 'the calendar');
  }
  await refresh();
}

run(main);
