// The survey page (survey.html?t=…): no sign-in, the link's signed token is the authorisation. Three
// questions (excellent yes/no, 0–10 recommendation, free text); one answer per recipient, and
// sending again replaces it. Plain form controls (radio groups in fieldsets, a labelled textarea),
// errors announced and tied to their fields, large touch targets on a phone.

import { $, el, errorBox, nextId, replace } from '../dom.js';

const LINK_PROBLEMS = {
  survey_link_invalid: 'This survey link is not valid. Use the link in the most recent message you received.',
  survey_link_expired: null, // the server's message names the date
};

/** A JSON call without cookies: the token is all this page needs. */
async function call(method, path, body) {
  let res;
  try {
    res = await fetch(path, {
      method, credentials: 'omit', referrerPolicy: 'no-referrer',
      headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw Object.assign(new Error('The server could not be reached. Check your connection and try again.'), { status: 0, body: {} });
  }
  const data = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(data.message || `The server answered ${res.status}.`), { status: res.status, body: data });
  return data;
}

function problem(e) {
  const code = e.body && e.body.error;
  if (code in LINK_PROBLEMS) return LINK_PROBLEMS[code] || `${e.message}. Thank you all the same.`;
  if (e.status === 404) return 'This survey is closed. Thank you all the same.';
  return e.message;
}

/** A radio group: a fieldset with a legend, one labelled radio per option. */
function radioGroup(name, legend, options, { hint, required = true, cls = '' } = {}) {
  const id = nextId(name);
  const error = el('p', { class: 'field-error', id: `${id}-error`, hidden: true });
  const hintNode = hint && el('p', { class: 'hint', id: `${id}-hint` }, hint);
  const described = [hintNode && hintNode.id, error.id].filter(Boolean).join(' ');
  const node = el('fieldset', { class: `survey-q ${cls}`, id, 'aria-describedby': described },
    el('legend', {}, legend, required ? el('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
    hintNode,
    el('div', { class: 'choices' }, options.map(([value, label, title]) => {
      const input = el('input', { type: 'radio', name, value: String(value), id: `${id}-${value}`, title: title || null, required });
      return el('label', { class: 'choice', for: input.id }, input, el('span', {}, label));
    })),
    error);
  return {
    node,
    value: () => { const c = node.querySelector('input:checked'); return c ? c.value : null; },
    set: (v) => { const c = node.querySelector(`input[value="${CSS.escape(String(v))}"]`); if (c) c.checked = true; },
    error: (message) => {
      error.textContent = message || '';
      error.hidden = !message;
      node.toggleAttribute('aria-invalid', Boolean(message));
    },
    focus: () => (node.querySelector('input:checked') || node.querySelector('input')).focus(),
  };
}

function render(page, token, form) {
  const q = form.questions;
  const excellent = radioGroup('excellent', q.excellent, [['true', 'Yes'], ['false', 'No']], { cls: 'yes-no' });
  const scale = Array.from({ length: 11 }, (_, n) => [n, String(n), n === 0 ? q.recommendLow : n === 10 ? q.recommendHigh : null]);
  const recommend = radioGroup('recommend', q.recommend, scale, { hint: `0 = ${q.recommendLow}, 10 = ${q.recommendHigh}`, cls: 'scale' });
  const comment = el('textarea', { id: 'comment', name: 'comment', rows: 5, maxlength: 4000, 'aria-describedby': 'comment-hint comment-error' });
  const commentError = el('p', { class: 'field-error', id: 'comment-error', hidden: true });
  const status = el('div', { id: 'survey-status', role: 'status', 'aria-live': 'polite' });
  const submit = el('button', { type: 'submit', class: 'primary send' }, form.answer ? 'Update my answer' : 'Send my answer');
  if (form.answer) {
    if (form.answer.excellent !== null && form.answer.excellent !== undefined) excellent.set(String(form.answer.excellent));
    if (form.answer.recommend !== null && form.answer.recommend !== undefined) recommend.set(form.answer.recommend);
    comment.value = form.answer.comment || '';
  }
  const formEl = el('form', { class: 'survey-form', novalidate: true, 'aria-labelledby': 'survey-about' },
    excellent.node, recommend.node,
    el('div', { class: 'survey-q field' }, el('label', { for: comment.id }, q.improve),
      el('p', { class: 'hint', id: 'comment-hint' }, `${q.improveHint} (optional)`), comment, commentError),
    el('div', { class: 'row' }, submit), status);

  const fields = { excellent, recommend };
  const clearErrors = () => { excellent.error(null); recommend.error(null); commentError.hidden = true; comment.removeAttribute('aria-invalid'); };
  formEl.addEventListener('submit', async (e) => {
    e.preventDefault();
    clearErrors();
    const missing = [];
    if (excellent.value() === null) { excellent.error('Please answer yes or no.'); missing.push(excellent); }
    if (recommend.value() === null) { recommend.error('Please choose a number from 0 to 10.'); missing.push(recommend); }
    if (missing.length) {
      status.textContent = 'Please answer the questions marked with a star.';
      missing[0].focus();
      return;
    }
    submit.disabled = true;
    submit.setAttribute('aria-busy', 'true');
    status.textContent = 'Sending…';
    try {
      const reply = await call('PUT', '/api/survey', {
        token, excellent: excellent.value() === 'true', recommend: Number(recommend.value()), comment: comment.value,
      });
      status.replaceChildren(el('p', { class: 'notice thanks' }, reply.status === 'updated'
        ? 'Thank you! Your answer was updated.' : 'Thank you! Your answer was recorded. You can change it here until the link expires.'));
      submit.textContent = 'Update my answer';
    } catch (err) {
      const errors = (err.body && err.body.errors) || [];
      for (const x of errors) {
        if (fields[x.field]) fields[x.field].error(x.message);
        if (x.field === 'comment') { commentError.textContent = x.message; commentError.hidden = false; comment.setAttribute('aria-invalid', 'true'); }
      }
      status.replaceChildren(errorBox(errors.length ? 'Please check your answers.' : `Your answer was not sent: ${problem(err)}`));
    } finally {
      submit.disabled = false;
      submit.removeAttribute('aria-busy');
    }
  });

  const expires = new Date(form.expiresAt);
  replace(page,
    el('div', { class: 'survey-head' },
      form.logoUrl ? el('img', { class: 'survey-logo', src: form.logoUrl, alt: `${form.customerName} logo` }) : null,
      el('div', {},
        el('p', { id: 'survey-about', class: 'survey-about' }, 'About ', el('strong', {}, form.title || form.objectId)),
        el('p', { class: 'muted' }, `For ${form.customerName}. It takes a minute; your answer is not shown with your name.`))),
    form.answer ? el('p', { class: 'notice' }, 'You answered this survey before. Change anything and send it again to update your answer.') : null,
    formEl,
    Number.isNaN(expires.getTime()) ? null : el('p', { class: 'muted small' }, `This link works until ${expires.toLocaleDateString()}.`));
}

async function main() {
  const page = $('#page');
  const token = new URLSearchParams(location.search).get('t');
  if (!token) {
    replace(page, errorBox('This survey link is incomplete. Open the link from the message you received.'));
    return;
  }
  try {
    const form = await call('GET', `/api/survey?t=${encodeURIComponent(token)}`);
    document.title = `How did we do? ${form.title ? `· ${form.title} ` : ''}· ccm`;
    render(page, token, form);
  } catch (e) {
    replace(page, errorBox(problem(e)));
  }
}

main();
