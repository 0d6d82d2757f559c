// The fields of a change, shared by the create and edit pages. The schedule is a local date + time +
// IANA zone; the server interprets it in that zone (and stores UTC).

import { el, field } from '../dom.js';
import { addDays, isoDay, localParts, viewerZone, zoneSelect } from '../dates.js';
import { customerPicker } from './customers.js';

const input = (attrs) => el('input', { type: 'text', ...attrs });
const area = (attrs) => el('textarea', { rows: 4, ...attrs });

export function changeForm(customers) {
  const f = {
    changeTitle: input({ name: 'changeTitle', required: true, maxlength: 200, autocomplete: 'off' }),
    changeReason: area({ name: 'changeReason', required: true }),
    implementationPlan: area({ name: 'implementationPlan', rows: 6, required: true }),
    testPlan: area({ name: 'testPlan' }),
    rollbackPlan: area({ name: 'rollbackPlan' }),
    customerImpact: area({ name: 'customerImpact', rows: 3 }),
    snowTicket: input({ name: 'snowTicket', placeholder: 'CHG0012345', autocomplete: 'off' }),
    jiraTicket: input({ name: 'jiraTicket', placeholder: 'CCOE-123', autocomplete: 'off' }),
    beginDate: el('input', { type: 'date', name: 'implementationBeginDate', required: true }),
    beginTime: el('input', { type: 'time', name: 'implementationBeginTime', required: true }),
    endDate: el('input', { type: 'date', name: 'implementationEndDate', required: true }),
    endTime: el('input', { type: 'time', name: 'implementationEndTime', required: true }),
    timezone: zoneSelect(viewerZone(), { name: 'timezone' }),
    includeMeeting: el('input', { type: 'checkbox', name: 'include_meeting', id: 'include-meeting' }),
    meetingTitle: input({ name: 'meetingTitle' }),
    meetingDate: el('input', { type: 'datetime-local', name: 'meetingDate' }),
    meetingDuration: el('input', { type: 'number', name: 'meetingDuration', min: 15, max: 480, step: 15 }),
    meetingLocation: input({ name: 'meetingLocation', placeholder: 'Microsoft Teams' }),
    attendees: input({ name: 'attendees', placeholder: 'a@example.com, b@example.com', autocomplete: 'off' }),
  };
  const picker = customerPicker(customers, [], { legend: 'Send to these customers' });
  const meetingBox = el('div', { class: 'grid', id: 'meeting-fields' },
    field('Meeting title', f.meetingTitle, { hint: 'Defaults to "Change Implementation Meeting: <title>".', wide: true }),
    field('Meeting start (in the change\'s time zone)', f.meetingDate, { hint: 'Defaults to the start of the window.' }),
    field('Duration (minutes)', f.meetingDuration, { hint: '15 to 480; defaults to the window\'s length.' }),
    field('Location', f.meetingLocation),
    field('Extra attendees', f.attendees, { hint: 'Comma-separated e-mail addresses; subscribers are invited anyway.', wide: true }));
  f.includeMeeting.setAttribute('aria-controls', 'meeting-fields');
  const syncMeeting = () => { meetingBox.hidden = !f.includeMeeting.checked; };
  f.includeMeeting.addEventListener('change', () => { syncMeeting(); autoMeeting(); });

  // The meeting defaults follow the title and the window until the user types their own.
  const touched = new Set();
  for (const k of ['meetingTitle', 'meetingDate', 'meetingDuration']) f[k].addEventListener('input', () => touched.add(k));
  function autoMeeting() {
    if (!touched.has('meetingTitle') && f.changeTitle.value) f.meetingTitle.value = `Change Implementation Meeting: ${f.changeTitle.value}`;
    if (!touched.has('meetingDate') && f.beginDate.value && f.beginTime.value) f.meetingDate.value = `${f.beginDate.value}T${f.beginTime.value}`;
    if (!touched.has('meetingDuration') && f.beginDate.value && f.endDate.value && f.beginTime.value && f.endTime.value) {
      const mins = (Date.parse(`${f.endDate.value}T${f.endTime.value}:00Z`) - Date.parse(`${f.beginDate.value}T${f.beginTime.value}:00Z`)) / 60000;
      if (mins > 0) f.meetingDuration.value = String(Math.min(480, Math.max(15, Math.round(mins / 15) * 15)));
    }
  }
  for (const k of ['changeTitle', 'beginDate', 'beginTime', 'endDate', 'endTime']) f[k].addEventListener('change', autoMeeting);

  const node = el('div', { class: 'form-sections' },
    el('section', { 'aria-labelledby': 'sec-what' }, el('h2', { id: 'sec-what' }, 'What'),
      el('div', { class: 'grid' },
        field('Title *', f.changeTitle, { wide: true }),
        field('Reason for the change *', f.changeReason, { wide: true }),
        field('Implementation plan *', f.implementationPlan, { wide: true }),
        field('Test plan', f.testPlan, { wide: true }),
        field('Rollback plan', f.rollbackPlan, { wide: true }),
        field('Customer impact', f.customerImpact, { wide: true }),
        field('ServiceNow ticket', f.snowTicket),
        field('Jira ticket', f.jiraTicket))),
    el('section', { 'aria-labelledby': 'sec-who' }, el('h2', { id: 'sec-who' }, 'Customers'), picker.node),
    el('section', { 'aria-labelledby': 'sec-when' }, el('h2', { id: 'sec-when' }, 'Implementation window'),
      el('div', { class: 'grid' },
        field('Time zone', f.timezone, { hint: 'The dates and times below are in this zone.', wide: true }),
        field('Begins on *', f.beginDate), field('at *', f.beginTime),
        field('Ends on *', f.endDate), field('at *', f.endTime))),
    el('section', { 'aria-labelledby': 'sec-meeting' }, el('h2', { id: 'sec-meeting' }, 'Meeting'),
      el('div', { class: 'check' }, f.includeMeeting, el('label', { for: 'include-meeting' }, 'Schedule an implementation meeting')),
      meetingBox));
  syncMeeting();

  return {
    node, picker, f,
    /** API field name → input, for error messages. */
    errorFields: {
      changeTitle: f.changeTitle, changeReason: f.changeReason, implementationPlan: f.implementationPlan, testPlan: f.testPlan,
      rollbackPlan: f.rollbackPlan, customerImpact: f.customerImpact, snowTicket: f.snowTicket, jiraTicket: f.jiraTicket,
      implementationBeginDate: f.beginDate, implementationBeginTime: f.beginTime, implementationEndDate: f.endDate,
      implementationEndTime: f.endTime, implementationStart: f.beginDate, implementationEnd: f.endDate, timezone: f.timezone,
      meetingTitle: f.meetingTitle, meetingDate: f.meetingDate, meetingDuration: f.meetingDuration, meetingLocation: f.meetingLocation,
      attendees: f.attendees, customers: picker,
    },
    defaults() {
      const tomorrow = isoDay(addDays(new Date(), 1));
      f.beginDate.value = tomorrow; f.beginTime.value = '10:00';
      f.endDate.value = tomorrow; f.endTime.value = '17:00';
      f.timezone.value = viewerZone();
      f.meetingDuration.value = '60';
      f.meetingLocation.value = 'Microsoft Teams';
      syncMeeting();
    },
    /** Puts a stored change into the form; `withSchedule: false` keeps the current window (clone). */
    fill(o, { withSchedule = true, withCustomers = true } = {}) {
      for (const k of ['changeTitle', 'changeReason', 'implementationPlan', 'testPlan', 'rollbackPlan', 'customerImpact', 'snowTicket', 'jiraTicket']) {
        f[k].value = o[k] || '';
      }
      if (withCustomers) picker.set(o.customers || []);
      if (withSchedule) {
        const zone = o.timezone || viewerZone();
        f.timezone.value = zone;
        const b = localParts(o.implementationStart, zone);
        const e = localParts(o.implementationEnd, zone);
        f.beginDate.value = b.date; f.beginTime.value = b.time; f.endDate.value = e.date; f.endTime.value = e.time;
        const m = localParts(o.meetingDate, zone);
        f.meetingDate.value = m.date ? `${m.date}T${m.time}` : '';
        if (o.meetingDate) touched.add('meetingDate');
      }
      f.includeMeeting.checked = Boolean(o.include_meeting);
      f.meetingTitle.value = o.meetingTitle || '';
      if (o.meetingTitle) touched.add('meetingTitle');
      f.meetingDuration.value = o.meetingDuration || '';
      if (o.meetingDuration) touched.add('meetingDuration');
      f.meetingLocation.value = o.meetingLocation || '';
      f.attendees.value = o.attendees || '';
      syncMeeting();
    },
    /** The request body. */
    read() {
      const body = {
        changeTitle: f.changeTitle.value.trim(),
        changeReason: f.changeReason.value,
        implementationPlan: f.implementationPlan.value,
        testPlan: f.testPlan.value,
        rollbackPlan: f.rollbackPlan.value,
        customerImpact: f.customerImpact.value,
        snowTicket: f.snowTicket.value.trim(),
        jiraTicket: f.jiraTicket.value.trim(),
        customers: picker.value(),
        timezone: f.timezone.value,
        implementationBeginDate: f.beginDate.value,
        implementationBeginTime: f.beginTime.value,
        implementationEndDate: f.endDate.value,
        implementationEndTime: f.endTime.value,
        include_meeting: f.includeMeeting.checked,
      };
      // Meeting details travel only with a meeting, so defaults filled in on the side never get saved.
      if (f.includeMeeting.checked) {
        Object.assign(body, {
          meetingTitle: f.meetingTitle.value.trim(), meetingDate: f.meetingDate.value,
          meetingLocation: f.meetingLocation.value.trim(), attendees: f.attendees.value.trim(),
        });
        if (f.meetingDuration.value) body.meetingDuration = String(f.meetingDuration.value);
      }
      return body;
    },
  };
}
