// Blackout windows: periods in which a customer (or every customer) takes no changes. Everyone sees
// those of their customers; admins create, edit and delete them (one-off, weekly, month-end,
// quarter-end). Edits send the ETag they read, so a concurrent edit is refused, not overwritten.

import { ApiError, describeError, get, request } from '../api.js';
import { $, el, field, params, replace, select, setFieldError } from '../dom.js';
import { formatInstant, localParts, zoneSelect } from '../dates.js';
import { load, run, startPage } from '../components/layout.js';
import { loadCustomers } from '../components/customers.js';
import { confirmDialog, openDialog } from '../components/modal.js';
import { toast } from '../components/toast.js';

const KINDS = [['once', 'One-off'], ['weekly', 'Every week'], ['month_end', 'Every month-end'], ['quarter_end', 'Every quarter-end']];
const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'];
const cap = (s) => s.charAt(0).toUpperCase() + s.slice(1);

/** "Every month-end (last day − 1), 18:00 for 48 h (Europe/Berlin)" and the like. */
export function describeSchedule(b) {
  const s = b.schedule;
  const length = (m) => (m % 1440 === 0 ? `${m / 1440} day${m === 1440 ? '' : 's'}` : m % 60 === 0 ? `${m / 60} h` : `${m} min`);
  const before = (n) => (n ? ` − ${n} day${n === 1 ? '' : 's'}` : '');
  switch (s.kind) {
    case 'once': return `${formatInstant(s.start, b.timezone)} – ${formatInstant(s.end, b.timezone)}`;
    case 'weekly': return `Every ${cap(s.weekday)} at ${s.start_time} for ${length(s.duration_minutes)} (${b.timezone})`;
    case 'month_end': return `Every month on the last day${before(s.days_before_end)} at ${s.start_time} for ${length(s.duration_minutes)} (${b.timezone})`;
    case 'quarter_end': return `Every quarter on the last day${before(s.days_before_end)} at ${s.start_time} for ${length(s.duration_minutes)} (${b.timezone})`;
    default: return s.kind;
  }
}

function blackoutForm(customers, current) {
  const b = current || { name: '', reason: '', customers: [], timezone: 'UTC', schedule: { kind: 'month_end', days_before_end: 0, start_time: '00:00', duration_minutes: 1440 } };
  const s = b.schedule;
  const f = {
    name: el('input', { type: 'text', maxlength: 200, value: b.name, required: true }),
    reason: el('textarea', { rows: 2, maxlength: 2000, required: true }, b.reason),
    kind: select(KINDS, s.kind, {}),
    timezone: zoneSelect(b.timezone),
    start: el('input', { type: 'datetime-local' }),
    end: el('input', { type: 'datetime-local' }),
    weekday: select(WEEKDAYS.map((d) => [d, cap(d)]), s.weekday || 'friday', {}),
    daysBefore: el('input', { type: 'number', min: 0, max: 27, value: s.days_before_end ?? 0 }),
    startTime: el('input', { type: 'time', value: s.start_time || '00:00' }),
    hours: el('input', { type: 'number', min: 0.25, step: 0.25, value: (s.duration_minutes || 1440) / 60 }),
  };
  if (s.kind === 'once') {
    const p = (iso) => { const x = localParts(iso, b.timezone); return `${x.date}T${x.time}`; };
    f.start.value = p(s.start);
    f.end.value = p(s.end);
  }
  const boxes = customers.map((c) => el('label', { class: 'check' },
    el('input', { type: 'checkbox', value: c.code, checked: b.customers.includes(c.code), name: 'blackout-customer' }), ` ${c.name}`));
  const once = el('div', { class: 'grid' }, field('Starts (local time)', f.start), field('Ends (local time)', f.end));
  const weekly = field('Weekday', f.weekday);
  const monthly = field('Days before the last day of the month', f.daysBefore, { hint: '0 = the last day' });
  const recurring = el('div', { class: 'grid' }, weekly, monthly, field('Starts at (local time)', f.startTime), field('Lasts (hours)', f.hours));
  const show = () => {
    once.hidden = f.kind.value !== 'once';
    recurring.hidden = f.kind.value === 'once';
    weekly.hidden = f.kind.value !== 'weekly';
    monthly.hidden = !['month_end', 'quarter_end'].includes(f.kind.value);
  };
  f.kind.addEventListener('change', show);
  show();
  const node = el('div', { class: 'grid' },
    field('Name', f.name, { wide: true }), field('Reason (shown to authors and approvers)', f.reason, { wide: true }),
    el('fieldset', { class: 'wide' }, el('legend', {}, 'Customers (none ticked: every customer)'), el('div', { class: 'check-grid' }, boxes)),
    field('Repeats', f.kind), field('Time zone', f.timezone),
    el('div', { class: 'wide' }, once, recurring));
  const read = () => {
    const kind = f.kind.value;
    const zone = f.timezone.value;
    const schedule = kind === 'once'
      ? { kind, start: localToIso(f.start.value, zone), end: localToIso(f.end.value, zone) }
      : { kind, start_time: f.startTime.value, duration_minutes: Math.round(Number(f.hours.value) * 60),
        ...(kind === 'weekly' ? { weekday: f.weekday.value } : { days_before_end: Number(f.daysBefore.value) }) };
    return {
      name: f.name.value.trim(), reason: f.reason.value.trim(), timezone: zone, schedule,
      customers: boxes.map((l) => l.querySelector('input')).filter((i) => i.checked).map((i) => i.value),
    };
  };
  const fields = { name: f.name, reason: f.reason, timezone: f.timezone, 'schedule.start': f.start, 'schedule.end': f.end,
    'schedule.start_time': f.startTime, 'schedule.duration_minutes': f.hours, 'schedule.days_before_end': f.daysBefore };
  return { node, read, fields, focus: () => f.name.focus() };
}

/** A wall-clock `YYYY-MM-DDTHH:MM` in `zone` as UTC ISO (searching the offset the zone has then). */
function localToIso(value, zone) {
  if (!value) return '';
  const guess = new Date(`${value}:00Z`);
  for (let i = 0; i < 3; i += 1) {
    const p = localParts(guess.toISOString(), zone);
    const shown = new Date(`${p.date}T${p.time}:00Z`);
    const diff = shown.getTime() - new Date(`${value}:00Z`).getTime();
    if (!diff) break;
    guess.setTime(guess.getTime() - diff);
  }
  return guess.toISOString();
}

function editDialog(customers, current, onSaved) {
  const form = blackoutForm(customers, current && current.blackout);
  const save = el('button', { type: 'button', class: 'primary', id: 'blackout-save' }, current ? 'Save' : 'Create');
  const cancel = el('button', { type: 'button' }, 'Cancel');
  const errors = el('div', { class: 'error-box', role: 'alert', hidden: true });
  const d = openDialog({ title: current ? `Edit ${current.blackout.name}` : 'New blackout window', body: [errors, form.node], actions: [cancel, save], wide: true });
  cancel.addEventListener('click', () => d.close());
  save.addEventListener('click', async () => {
    errors.hidden = true;
    Object.values(form.fields).forEach((i) => setFieldError(i, null));
    save.disabled = true;
    try {
      const r = current
        ? await request('PUT', `/api/blackouts/${encodeURIComponent(current.blackout.id)}`, { body: form.read(), etag: current.etag })
        : await request('POST', '/api/blackouts', { body: form.read() });
      d.close();
      toast(`${current ? 'Saved' : 'Created'}: ${r.data.blackout.name}.`, 'success');
      onSaved();
    } catch (e) {
      const list = (e instanceof ApiError && e.body.errors) || [];
      for (const x of list) if (form.fields[x.field]) setFieldError(form.fields[x.field], x.message);
      replace(errors, el('p', {}, e.status === 409 ? 'Someone else changed it meanwhile; close and reload.' : describeError(e)));
      errors.hidden = false;
    } finally { save.disabled = false; }
  });
  form.focus();
}

async function main() {
  const me = await startPage();
  const page = $('#page');
  const customers = await loadCustomers();
  const admin = me.roles.includes('admin');
  const list = el('div', { class: 'blackout-list', 'aria-live': 'polite' });
  const create = admin && el('button', { type: 'button', class: 'primary', id: 'new-blackout' }, 'New blackout window');
  replace(page,
    el('p', {}, 'Changes whose implementation window falls in a blackout window are warned about; submitting or approving one needs a reason. ',
      el('a', { href: '/calendar.html' }, 'Back to the calendar')),
    create ? el('p', {}, create) : null, list);

  const refresh = () => load(list, async () => {
    const { items } = await get('/api/blackouts');
    replace(list, items.length ? items.map((b) => {
      const edit = admin && el('button', { type: 'button', 'aria-label': `Edit ${b.name}` }, 'Edit');
      const del = admin && el('button', { type: 'button', class: 'danger-outline', 'aria-label': `Delete ${b.name}` }, 'Delete');
      if (edit) edit.addEventListener('click', async () => {
        try {
          const r = await request('GET', `/api/blackouts/${encodeURIComponent(b.id)}`);
          editDialog(customers, { blackout: r.data.blackout, etag: r.etag }, refresh);
        } catch (e) { toast(describeError(e), 'error'); }
      });
      if (del) del.addEventListener('click', async () => {
        if (!await confirmDialog(`Delete ${b.name}?`, 'Changes are no longer warned about it.', { confirmLabel: 'Delete', danger: true })) return;
        try {
          const r = await request('GET', `/api/blackouts/${encodeURIComponent(b.id)}`);
          await request('DELETE', `/api/blackouts/${encodeURIComponent(b.id)}`, { etag: r.etag });
          toast(`Deleted ${b.name}.`, 'success');
          refresh();
        } catch (e) { toast(describeError(e), 'error'); }
      });
      return el('article', { class: 'card', 'data-id': b.id },
        el('div', { class: 'card-head' }, el('h2', {}, b.name), el('span', { class: 'badge' }, b.customers.length ? b.customers.join(', ') : 'Every customer')),
        el('p', { class: 'summary' }, b.reason),
        el('p', { class: 'meta' }, describeSchedule(b), ` · version ${b.version} · by ${b.modified_by}`),
        admin ? el('div', { class: 'actions' }, edit, del) : null);
    }) : el('p', { class: 'empty' }, 'There are no blackout windows.'));
  }, 'the blackout windows');
  if (create) create.addEventListener('click', () => editDialog(customers, null, refresh));
  await refresh();
  if (params().new === '1' && admin) editDialog(customers, null, refresh);
}

run(main);
