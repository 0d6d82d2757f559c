// The fields of an announcement, shared by the create and edit pages.

import { el, field, nextId } from '../dom.js';
import { localParts, viewerZone, zoneSelect } from '../dates.js';
import { TYPES } from '../model.js';
import { customerPicker } from './customers.js';
import { ACCEPT } from './attachments.js';

const ANNOUNCEMENT_TYPES = ['cic', 'finops', 'innersource', 'general'];

export function announcementForm(customers, { typeLocked = false } = {}) {
  const gid = nextId('type');
  const radios = ANNOUNCEMENT_TYPES.map((t, i) => el('input', { type: 'radio', name: 'announcement_type', value: t, id: `${gid}-${t}`, checked: i === 0, disabled: typeLocked }));
  const typeGroup = el('fieldset', { class: 'types' }, el('legend', {}, 'Type', el('span', { class: 'req', 'aria-hidden': 'true' }, ' *')),
    el('div', { class: 'radio-row' }, radios.map((r) => el('span', { class: 'check' }, r,
      el('label', { for: r.id }, el('span', { 'aria-hidden': 'true' }, TYPES[r.value].icon), ` ${TYPES[r.value].label}`)))),
    typeLocked ? el('small', { class: 'hint' }, 'The type is part of the id and cannot change; duplicate the announcement to use another type.') : null);
  const f = {
    title: el('input', { type: 'text', name: 'title', maxlength: 200, required: true, autocomplete: 'off' }),
    summary: el('textarea', { name: 'summary', rows: 3, required: true }),
    content: el('textarea', { name: 'content', rows: 10 }),
    includeMeeting: el('input', { type: 'checkbox', name: 'include_meeting', id: 'include-meeting' }),
    meetingTitle: el('input', { type: 'text', name: 'meeting_title' }),
    meetingDate: el('input', { type: 'datetime-local', name: 'meeting_date' }),
    meetingTimezone: zoneSelect(viewerZone(), { name: 'meeting_timezone' }),
    meetingDuration: el('input', { type: 'number', name: 'meeting_duration', min: 15, max: 480, step: 15, value: '60' }),
    meetingLocation: el('input', { type: 'text', name: 'meeting_location', placeholder: 'Microsoft Teams' }),
    attendees: el('input', { type: 'text', name: 'attendees', placeholder: 'a@example.com, b@example.com' }),
    files: el('input', { type: 'file', name: 'files', multiple: true, accept: ACCEPT }),
  };
  const picker = customerPicker(customers, [], { legend: 'Send to these customers' });
  const meetingBox = el('div', { class: 'grid', id: 'meeting-fields' },
    field('Meeting title', f.meetingTitle, { wide: true, hint: 'Defaults to the announcement\'s title.' }),
    field('Starts (date and time)', f.meetingDate), field('Time zone of the meeting', f.meetingTimezone),
    field('Duration (minutes)', f.meetingDuration), field('Location', f.meetingLocation),
    field('Extra attendees', f.attendees, { wide: true, hint: 'Comma-separated e-mail addresses.' }));
  f.includeMeeting.setAttribute('aria-controls', 'meeting-fields');
  const sync = () => { meetingBox.hidden = !f.includeMeeting.checked; };
  f.includeMeeting.addEventListener('change', () => {
    sync();
    if (f.includeMeeting.checked && !f.meetingTitle.value) f.meetingTitle.value = f.title.value;
  });
  const attachmentList = el('ul', { class: 'attachment-list', 'aria-live': 'polite' });
  const attachmentStatus = el('p', { class: 'upload-status', role: 'status' });
  const node = el('div', { class: 'form-sections' },
    el('section', { 'aria-labelledby': 'sec-what' }, el('h2', { id: 'sec-what' }, 'What'),
      typeGroup,
      el('div', { class: 'grid' },
        field('Title *', f.title, { wide: true }), field('Summary *', f.summary, { wide: true, hint: 'The first lines of the e-mail.' }),
        field('Content', f.content, { wide: true }))),
    el('section', { 'aria-labelledby': 'sec-who' }, el('h2', { id: 'sec-who' }, 'Customers'), picker.node),
    el('section', { 'aria-labelledby': 'sec-meeting' }, el('h2', { id: 'sec-meeting' }, 'Meeting'),
      el('div', { class: 'check' }, f.includeMeeting, el('label', { for: 'include-meeting' }, 'Schedule a meeting')), meetingBox),
    el('section', { 'aria-labelledby': 'sec-files' }, el('h2', { id: 'sec-files' }, 'Attachments'),
      attachmentList,
      field('Add files', f.files, { hint: 'PDF, PNG, JPEG, GIF, TXT, CSV, DOCX, XLSX or PPTX; at most 50 MB each.' }),
      attachmentStatus));
  sync();
  return {
    node, f, picker, attachmentList, attachmentStatus,
    errorFields: {
      title: f.title, summary: f.summary, content: f.content, customers: picker, meeting_title: f.meetingTitle,
      meeting_date: f.meetingDate, meeting_timezone: f.meetingTimezone, meeting_duration: f.meetingDuration,
      meeting_location: f.meetingLocation, attendees: f.attendees, announcement_type: radios[0], attachments: f.files,
    },
    type: () => (radios.find((r) => r.checked) || radios[0]).value,
    fill(o, { withCustomers = true } = {}) {
      for (const r of radios) r.checked = r.value === o.announcement_type;
      f.title.value = o.title || '';
      f.summary.value = o.summary || '';
      f.content.value = o.content || '';
      if (withCustomers) picker.set(o.customers || []);
      f.includeMeeting.checked = Boolean(o.include_meeting);
      f.meetingTitle.value = o.meeting_title || '';
      const zone = o.meeting_timezone || viewerZone();
      f.meetingTimezone.value = zone;
      const m = localParts(o.meeting_date, zone);
      f.meetingDate.value = m.date ? `${m.date}T${m.time}` : '';
      f.meetingDuration.value = o.meeting_duration ? String(o.meeting_duration) : '60';
      f.meetingLocation.value = o.meeting_location || '';
      f.attendees.value = o.attendees || '';
      sync();
    },
    read() {
      const body = {
        title: f.title.value.trim(), summary: f.summary.value, content: f.content.value, customers: picker.value(),
        include_meeting: f.includeMeeting.checked,
      };
      if (f.includeMeeting.checked) {
        Object.assign(body, {
          meeting_title: f.meetingTitle.value.trim(), meeting_date: f.meetingDate.value, meeting_timezone: f.meetingTimezone.value,
          meeting_location: f.meetingLocation.value.trim(), attendees: f.attendees.value.trim(),
        });
        if (f.meetingDuration.value) body.meeting_duration = Number(f.meetingDuration.value);
      }
      return body;
    },
  };
}
