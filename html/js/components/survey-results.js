// The survey answers of a completed object, per customer the user may see: how many answered, the
// share who found it excellent, the NPS, and the comments. Loaded when shown.

import { describeError, get, objectPath } from '../api.js';
import { el, errorBox, loading, replace } from '../dom.js';
import { timeShort } from '../dates.js';

export const percent = (n) => (n === null || n === undefined ? '—' : `${n}%`);
export const nps = (n) => (n === null || n === undefined ? '—' : n > 0 ? `+${n}` : String(n));
export const npsClass = (n) => (n === null || n === undefined ? '' : n >= 30 ? 'nps-good' : n < 0 ? 'nps-bad' : '');

/** The figures of a score as a row of cards. */
export function scoreCards(score) {
  const card = (n, label, cls) => el('li', { class: 'stat' }, el('span', { class: `n ${cls || ''}`.trim() }, n), el('span', { class: 'label' }, label));
  return el('ul', { class: 'stat-cards score-cards' },
    card(String(score.responses), score.responses === 1 ? 'answer' : 'answers'),
    card(percent(score.satisfaction), 'found it excellent'),
    card(nps(score.nps), 'NPS', npsClass(score.nps)));
}

/** One answer's ratings and comment, as a list item. */
export function answerItem(a, { withObject = false } = {}) {
  const ratings = [
    a.excellent === true ? 'Excellent: yes' : a.excellent === false ? 'Excellent: no' : null,
    a.recommend !== null && a.recommend !== undefined ? `Recommend: ${a.recommend}/10` : null,
  ].filter(Boolean).join(' · ');
  return el('li', {},
    a.comment ? el('span', { class: 'pre' }, a.comment) : el('span', { class: 'muted' }, 'No comment.'),
    el('div', { class: 'meta' }, withObject ? `${a.title || a.objectId} · ` : '', ratings, ' · ', timeShort(a.updatedAt || a.submittedAt),
      a.source === 'typeform' ? ' · Typeform' : ''));
}

function customerBlock(c) {
  return el('div', { class: 'customer', 'data-customer': c.customer },
    el('h4', {}, c.customerName, ' ', el('small', { class: 'muted' }, c.customer)),
    c.score.responses ? [scoreCards(c.score), el('ul', { class: 'list comments' }, c.answers.map((a) => answerItem(a)))]
      : el('p', { class: 'empty' }, 'No answers yet.'));
}

/** A section that shows the object's survey answers (completed objects only; null otherwise). */
export function surveyResults(v) {
  if (v.status !== 'completed') return null;
  const box = el('div', { class: 'survey-results', 'aria-busy': 'true' }, loading('Loading the survey answers…'));
  const section = el('section', { class: 'surveys', 'aria-label': 'Survey answers' }, el('h3', {}, 'Survey answers'), box);
  get(`${objectPath(v.id)}/surveys`).then((r) => {
    replace(box,
      r.quarter ? el('p', { class: 'muted' }, `Counted in ${r.quarter}. Each recipient answers once; later answers replace earlier ones.`) : null,
      r.customers.length ? r.customers.map(customerBlock) : el('p', { class: 'empty' }, 'No answers yet.'));
  }).catch((e) => { if (e.status !== 401) replace(box, errorBox(`Could not load the survey answers: ${describeError(e)}`)); });
  return section;
}
