// Dates and time zones. The API stores RFC 3339 UTC; people read times in the object's zone (the one
// its schedule was entered in) and in their own.

import { el } from './dom.js';

export const viewerZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

let zones = null;
/** Every IANA zone the browser knows, UTC first. */
export function timeZones() {
  if (!zones) {
    let list = [];
    try { list = Intl.supportedValuesOf('timeZone'); } catch { list = []; }
    const set = new Set(['UTC', ...list, viewerZone()]);
    zones = [...set];
  }
  return zones;
}

export function zoneSelect(value, attrs = {}) {
  const v = value || viewerZone();
  return el('select', attrs, timeZones().map((z) => el('option', { value: z, selected: z === v }, z.replaceAll('_', ' '))));
}

const fmtCache = new Map();
function formatter(zone, opts) {
  const key = zone + JSON.stringify(opts);
  if (!fmtCache.has(key)) {
    try {
      fmtCache.set(key, new Intl.DateTimeFormat(undefined, { timeZone: zone, ...opts }));
    } catch {
      fmtCache.set(key, new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', ...opts }));
    }
  }
  return fmtCache.get(key);
}

const LONG = { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' };
const SHORT = { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' };

/** "Sun, 20 Dec 2026, 10:00 CET" in `zone` (the viewer's by default). */
export function formatInstant(iso, zone = viewerZone(), short = false) {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return formatter(zone, short ? SHORT : LONG).format(d);
}

/** A <time> showing the instant in the object's zone, plus the viewer's own time when it differs. */
export function timeBoth(iso, objectZone) {
  if (!iso) return el('span', { class: 'muted' }, 'not set');
  const mine = viewerZone();
  const zone = objectZone || mine;
  const main = `${formatInstant(iso, zone)}${objectZone ? ` (${objectZone})` : ''}`;
  const other = zone !== mine && formatInstant(iso, zone) !== formatInstant(iso, mine)
    ? el('span', { class: 'muted' }, ` · your time: ${formatInstant(iso, mine)}`) : null;
  return el('span', {}, el('time', { datetime: iso, title: `${iso} (UTC)` }, main), other);
}

/** A compact <time> in the viewer's zone. */
export function timeShort(iso) {
  if (!iso) return el('span', { class: 'muted' }, '—');
  return el('time', { datetime: iso, title: formatInstant(iso) }, formatInstant(iso, viewerZone(), true));
}

/** The local wall-clock parts of an instant in `zone`: {date: 'YYYY-MM-DD', time: 'HH:MM'}. */
export function localParts(iso, zone) {
  if (!iso) return { date: '', time: '' };
  const parts = Object.fromEntries(formatter(zone || 'UTC', {
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/** YYYY-MM-DD of `d` in the viewer's zone. */
export function isoDay(d) {
  return localParts(d.toISOString(), viewerZone()).date;
}

export function addDays(d, n) {
  const x = new Date(d.getTime());
  x.setDate(x.getDate() + n);
  return x;
}

/** Named ranges for date filters, as {from, to} days (inclusive) in the viewer's zone. */
export const RANGES = [
  ['', 'Any time'], ['today', 'Today'], ['week', 'Last 7 days'], ['14days', 'Last 14 days'],
  ['month', 'Last 30 days'], ['quarter', 'Last 90 days'], ['year', 'Last 365 days'],
];
export function rangeFor(name) {
  const days = { today: 0, week: 6, '14days': 13, month: 29, quarter: 89, year: 364 }[name];
  if (days === undefined) return {};
  const now = new Date();
  return { from: dayStart(isoDay(addDays(now, -days))), to: dayEnd(isoDay(now)) };
}

/** RFC 3339 UTC of the start / end of a YYYY-MM-DD day in the viewer's zone (for from/to filters). */
export const dayStart = (day) => (day ? new Date(`${day}T00:00:00`).toISOString() : '');
export const dayEnd = (day) => (day ? new Date(`${day}T23:59:59.999`).toISOString() : '');

/** "in 3 days" / "2 hours ago". */
export function relative(iso) {
  const diff = (new Date(iso).getTime() - Date.now()) / 1000;
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const abs = Math.abs(diff);
  if (abs < 60) return rtf.format(Math.round(diff), 'second');
  if (abs < 3600) return rtf.format(Math.round(diff / 60), 'minute');
  if (abs < 86400) return rtf.format(Math.round(diff / 3600), 'hour');
  return rtf.format(Math.round(diff / 86400), 'day');
}
