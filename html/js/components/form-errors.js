// Showing an API error on a form: each named field gets its message (aria-invalid, described-by), and
// a summary at the top lists them with links that move focus to the field.

import { describeError } from '../api.js';
import { el, replace, setFieldError } from '../dom.js';

/**
 * `fields` maps API field names to inputs (or to objects with setError, like the customer picker).
 * Answers true when at least one field error was shown.
 */
export function showFormErrors(summaryBox, fields, error) {
  clearFormErrors(summaryBox, fields);
  const body = (error && error.body) || {};
  const list = Array.isArray(body.errors) ? body.errors : body.field ? [{ field: body.field, message: body.message }] : [];
  const items = [];
  for (const { field, message } of list) {
    const target = fields[field];
    if (target && target.setError) target.setError(message);
    else if (target) setFieldError(target, message);
    const focusTarget = target && (target.focus ? target : null);
    items.push(el('li', {}, focusTarget
      ? el('a', { href: `#${target.id || ''}`, onclick: (e) => { e.preventDefault(); focusTarget.focus(); } }, `${labelOf(target, field)}: ${message}`)
      : `${field}: ${message}`));
  }
  replace(summaryBox, el('div', { class: 'error-box', role: 'alert' },
    el('p', {}, items.length ? 'Please fix the following:' : describeError(error)), items.length ? el('ul', {}, items) : null));
  summaryBox.hidden = false;
  summaryBox.scrollIntoView({ block: 'nearest' });
  return items.length > 0;
}

function labelOf(target, field) {
  if (target.labels && target.labels[0]) return target.labels[0].textContent.replace(/\s*\*$/, '');
  if (target.node) return target.node.querySelector('legend').textContent.replace(/\s*\*$/, '');
  return field;
}

export function clearFormErrors(summaryBox, fields) {
  summaryBox.hidden = true;
  summaryBox.replaceChildren();
  for (const t of Object.values(fields)) {
    if (t && t.setError) t.setError(null);
    else if (t) setFieldError(t, null);
  }
}
