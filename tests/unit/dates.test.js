// Unit tests of html/js/dates.js: wall-clock parts across DST changes, day bounds in the viewer's zone,
// named filter ranges. The viewer's zone is pinned (TZ) before the module loads, so results do not
// depend on the machine's zone; assertions avoid locale-dependent text.

import { test, mock } from 'node:test';
import assert from 'node:assert/strict';

process.env.TZ = 'America/New_York';
const dates = await import('../../html/js/dates.js');

test('the viewer zone is the process time zone', () => {
  assert.equal(dates.viewerZone(), 'America/New_York');
});

test('the zone list starts with UTC, holds the viewer zone and has no duplicates', () => {
  const zones = dates.timeZones();
  assert.equal(zones[0], 'UTC');
  assert.ok(zones.includes('America/New_York'));
  assert.ok(zones.includes('Europe/Berlin'));
  assert.equal(new Set(zones).size, zones.length);
});

test('local parts of an instant are its wall clock in the given zone', () => {
  assert.deepEqual(dates.localParts('2026-12-20T09:00:00Z', 'Europe/Berlin'), { date: '2026-12-20', time: '10:00' });
  assert.deepEqual(dates.localParts('2026-07-20T09:00:00Z', 'Europe/Berlin'), { date: '2026-07-20', time: '11:00' });
});

test('local parts skip the hour lost when summer time starts', () => {
  // Europe/Berlin jumps from 02:00 CET to 03:00 CEST at 01:00 UTC on 29 March 2026.
  assert.equal(dates.localParts('2026-03-29T00:59:00Z', 'Europe/Berlin').time, '01:59');
  assert.equal(dates.localParts('2026-03-29T01:00:00Z', 'Europe/Berlin').time, '03:00');
});

test('local parts show the repeated hour twice when summer time ends', () => {
  // 02:30 happens twice in Europe/Berlin on 25 October 2026: once in CEST, once in CET.
  assert.deepEqual(dates.localParts('2026-10-25T00:30:00Z', 'Europe/Berlin'), { date: '2026-10-25', time: '02:30' });
  assert.deepEqual(dates.localParts('2026-10-25T01:30:00Z', 'Europe/Berlin'), { date: '2026-10-25', time: '02:30' });
});

test('local parts write midnight as 00:00, never 24:00', () => {
  assert.deepEqual(dates.localParts('2026-01-01T00:00:00Z', 'UTC'), { date: '2026-01-01', time: '00:00' });
});

test('local parts move to the next or previous day in far zones', () => {
  assert.deepEqual(dates.localParts('2026-01-01T12:00:00Z', 'Pacific/Kiritimati'), { date: '2026-01-02', time: '02:00' });
  assert.deepEqual(dates.localParts('2026-01-01T06:00:00Z', 'Pacific/Pago_Pago'), { date: '2025-12-31', time: '19:00' });
  assert.deepEqual(dates.localParts('2026-01-01T12:00:00Z', 'Asia/Kolkata'), { date: '2026-01-01', time: '17:30' });
});

test('local parts of a missing instant are empty and a missing zone means UTC', () => {
  assert.deepEqual(dates.localParts('', 'Europe/Berlin'), { date: '', time: '' });
  assert.deepEqual(dates.localParts(null, 'Europe/Berlin'), { date: '', time: '' });
  assert.deepEqual(dates.localParts('2026-05-01T08:15:00Z'), { date: '2026-05-01', time: '08:15' });
});

test('the day of an instant is taken in the viewer zone, not in UTC', () => {
  // 03:00 UTC on 8 March is still the evening of 7 March in New York.
  assert.equal(dates.isoDay(new Date('2026-03-08T03:00:00Z')), '2026-03-07');
  assert.equal(dates.isoDay(new Date('2026-03-08T05:00:00Z')), '2026-03-08');
});

test('a day starts and ends at the viewer zone midnight, in UTC', () => {
  assert.equal(dates.dayStart('2026-01-15'), '2026-01-15T05:00:00.000Z');
  assert.equal(dates.dayEnd('2026-01-15'), '2026-01-16T04:59:59.999Z');
});

test('the day summer time starts is 23 hours long', () => {
  // New York moves from EST (-5) to EDT (-4) on 8 March 2026.
  assert.equal(dates.dayStart('2026-03-08'), '2026-03-08T05:00:00.000Z');
  assert.equal(dates.dayEnd('2026-03-08'), '2026-03-09T03:59:59.999Z');
  const hours = (Date.parse(dates.dayEnd('2026-03-08')) + 1 - Date.parse(dates.dayStart('2026-03-08'))) / 3600000;
  assert.equal(hours, 23);
});

test('the day summer time ends is 25 hours long', () => {
  const hours = (Date.parse(dates.dayEnd('2026-11-01')) + 1 - Date.parse(dates.dayStart('2026-11-01'))) / 3600000;
  assert.equal(hours, 25);
});

test('an empty day gives an empty bound, so the filter is left out', () => {
  assert.equal(dates.dayStart(''), '');
  assert.equal(dates.dayEnd(undefined), '');
});

test('adding days keeps the wall-clock time across a DST change', () => {
  const noon = new Date('2026-03-07T12:00:00'); // local (EST)
  const next = dates.addDays(noon, 1); // local noon again, now EDT
  assert.equal(next.toISOString(), '2026-03-08T16:00:00.000Z');
  assert.equal(next.getTime() - noon.getTime(), 23 * 3600000);
  assert.equal(noon.toISOString(), '2026-03-07T17:00:00.000Z', 'the argument is not changed');
});

test('adding a negative number of days goes back across a month end', () => {
  assert.equal(dates.isoDay(dates.addDays(new Date('2026-03-02T12:00:00'), -2)), '2026-02-28');
});

test('named ranges span whole days in the viewer zone, ending today', (t) => {
  t.after(() => mock.timers.reset());
  mock.timers.enable({ apis: ['Date'], now: new Date('2026-03-10T02:00:00Z') }); // 9 March, 22:00 in New York
  assert.deepEqual(dates.rangeFor('today'), { from: '2026-03-09T04:00:00.000Z', to: '2026-03-10T03:59:59.999Z' });
  assert.deepEqual(dates.rangeFor('week'), { from: '2026-03-03T05:00:00.000Z', to: '2026-03-10T03:59:59.999Z' });
  assert.equal(dates.rangeFor('month').from, '2026-02-08T05:00:00.000Z');
});

test('an unknown or empty range name means no date filter', () => {
  assert.deepEqual(dates.rangeFor(''), {});
  assert.deepEqual(dates.rangeFor('fortnight'), {});
  for (const [name] of dates.RANGES.filter(([n]) => n)) assert.ok(dates.rangeFor(name).from, name);
});

test('formatting a missing or unparseable instant never throws', () => {
  assert.equal(dates.formatInstant(''), '');
  assert.equal(dates.formatInstant(null), '');
  assert.equal(dates.formatInstant('next tuesday'), 'next tuesday');
});

test('formatting in an unknown zone falls back to UTC instead of throwing', () => {
  assert.equal(
    dates.formatInstant('2026-12-20T09:00:00Z', 'Mars/Olympus_Mons'),
    dates.formatInstant('2026-12-20T09:00:00Z', 'UTC'),
  );
});

test('relative times pick the largest fitting unit', (t) => {
  t.after(() => mock.timers.reset());
  mock.timers.enable({ apis: ['Date'], now: new Date('2026-03-10T12:00:00Z') });
  const rtf = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  assert.equal(dates.relative('2026-03-10T12:00:30Z'), rtf.format(30, 'second'));
  assert.equal(dates.relative('2026-03-10T11:45:00Z'), rtf.format(-15, 'minute'));
  assert.equal(dates.relative('2026-03-10T14:00:00Z'), rtf.format(2, 'hour'));
  assert.equal(dates.relative('2026-03-13T12:00:00Z'), rtf.format(3, 'day'));
});
