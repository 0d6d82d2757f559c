// Surveys: how customers rated completed changes and announcements. Satisfaction (the share who
// found it excellent) and NPS per customer and per quarter, the answers with their comments,
// filters (customers, quarters, types) kept in the address, and CSV exports of figures and answers.
// Customer-scoped users see only their customers (the API cuts the answers).

import { get, withQuery } from '../api.js';
import { $, $$, el, params, replace, select } from '../dom.js';
import { timeShort } from '../dates.js';
import { load, run, startPage } from '../components/layout.js';
import { loadCustomers } from '../components/customers.js';
import { download, toCsv } from '../components/csv.js';
import { nps, npsClass, percent, scoreCards } from '../components/survey-results.js';
import { TYPES, editUrl, typeBadge } from '../model.js';

const SHOWN_ANSWERS = 200;

/** `2026-Q2` of a date. */
const quarterOf = (d) => `${d.getFullYear()}-Q${Math.floor(d.getMonth() / 3) + 1}`;

/** The last `n` quarters, newest first. */
function recentQuarters(n) {
  const out = [];
  const d = new Date();
  d.setDate(1);
  for (let i = 0; i < n; i += 1) {
    out.push(quarterOf(d));
    d.setMonth(d.getMonth() - 3);
  }
  return out;
}

function checks(name, options, chosen) {
  return el('div', { class: 'check-row radio-row' }, options.map(([v, label]) => {
    const id = `${name}-${v}`;
    return el('span', { class: 'check' }, el('input', { type: 'checkbox', name, value: v, id, checked: chosen.includes(v) }), el('label', { for: id }, label));
  }));
}
const checked = (root, name) => $$(`input[name="${name}"]:checked`, root).map((c) => c.value);

const FIGURE_COLUMNS = [['responses', 'Answers'], ['satisfaction', 'Found it excellent'], ['nps', 'NPS'],
  ['promoters', 'Promoters (9–10)'], ['passives', 'Passives (7–8)'], ['detractors', 'Detractors (0–6)']];

function figureCells(score) {
  return [
    el('td', { class: 'num' }, String(score.responses)),
    el('td', { class: 'num' }, percent(score.satisfaction)),
    el('td', { class: `num ${npsClass(score.nps)}`.trim() }, nps(score.nps)),
    el('td', { class: 'num' }, String(score.promoters)),
    el('td', { class: 'num' }, String(score.passives)),
    el('td', { class: 'num' }, String(score.detractors)),
  ];
}

function figuresTable(caption, lead, rows) {
  return el('div', { class: 'table-wrap' }, el('table', { class: 'figures results' },
    el('caption', { class: 'visually-hidden' }, caption),
    el('thead', {}, el('tr', {}, lead.map((h) => el('th', { scope: 'col' }, h)), FIGURE_COLUMNS.map(([, h]) => el('th', { scope: 'col', class: 'num' }, h)))),
    el('tbody', {}, rows.map(({ head, score, key }) => el('tr', { 'data-row': key }, head, figureCells(score))))));
}

function answersTable(answers) {
  return el('div', { class: 'table-wrap' }, el('table', { class: 'results answers' },
    el('caption', { class: 'visually-hidden' }, 'Answers'),
    el('thead', {}, el('tr', {}, ['Answered', 'Customer', 'About', 'Excellent', 'Recommend', 'Comment'].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, answers.map((a) => el('tr', {},
      el('td', {}, timeShort(a.updatedAt || a.submittedAt)),
      el('td', {}, a.customer),
      el('td', {}, el('a', { href: editUrl(a.objectId) }, a.title || a.objectId), el('br'), typeBadge(a.type)),
      el('td', {}, a.excellent === true ? 'Yes' : a.excellent === false ? 'No' : '—'),
      el('td', { class: 'num' }, a.recommend === null || a.recommend === undefined ? '—' : String(a.recommend)),
      el('td', { class: 'pre' }, a.comment || ''))))));
}

const csvFigures = (s) => [
  ...s.customers.map((c) => ({ customer: c.customer, customerName: c.customerName, quarter: `${s.from} to ${s.to}`, ...c.score })),
  ...s.rows.map((r) => ({ customer: r.customer, customerName: r.customerName, quarter: r.quarter, ...r.score })),
];
const FIGURES_CSV = [['customer', 'Customer'], ['customerName', 'Customer name'], ['quarter', 'Quarter'], ['responses', 'Answers'],
  ['excellentYes', 'Excellent: yes'], ['excellentNo', 'Excellent: no'], ['satisfaction', 'Satisfaction (%)'], ['nps', 'NPS'],
  ['promoters', 'Promoters'], ['passives', 'Passives'], ['detractors', 'Detractors']];
const ANSWERS_CSV = [['submittedAt', 'Answered at (UTC)'], ['updatedAt', 'Changed at (UTC)'], ['customer', 'Customer'], ['objectId', 'ID'],
  ['type', 'Type'], ['title', 'Title'], ['year', 'Year'], ['quarter', 'Quarter'], ['excellent', 'Excellent'], ['recommend', 'Recommend (0-10)'],
  ['comment', 'Comment'], ['source', 'Source']];

async function main() {
  await startPage();
  const page = $('#page');
  const customers = await loadCustomers();
  const p = params();
  const list = (k) => (p[k] ? p[k].split(',') : []);
  const quarters = recentQuarters(20);
  const quarterOptions = quarters.map((q) => [q, q]);
  const from = select(quarterOptions, p.from || quarters[3], { id: 's-from' });
  const to = select(quarterOptions, p.to || quarters[0], { id: 's-to' });
  const customerChecks = checks('customer', customers.map((c) => [c.code, c.name]), list('customer'));
  const typeChecks = checks('type', Object.entries(TYPES).map(([k, t]) => [k, t.label]), list('type'));
  const form = el('form', { class: 'filters', role: 'search', 'aria-label': 'Filter survey answers' },
    el('div', { class: 'field' }, el('label', { for: from.id }, 'From quarter'), from),
    el('div', { class: 'field' }, el('label', { for: to.id }, 'To quarter'), to),
    el('fieldset', { class: 'wide' }, el('legend', {}, 'Customers (all when none is ticked)'), customerChecks),
    el('fieldset', { class: 'wide' }, el('legend', {}, 'Types (all when none is ticked)'), typeChecks),
    el('div', { class: 'row wide' }, el('button', { type: 'submit', class: 'primary' }, 'Show'),
      el('button', { type: 'button', onclick: () => location.assign(location.pathname) }, 'Reset')));
  const results = el('div', { id: 'results', 'aria-live': 'polite' });
  const exportFigures = el('button', { type: 'button', id: 'export-figures', disabled: true }, 'Export figures (CSV)');
  const exportAnswers = el('button', { type: 'button', id: 'export-answers', disabled: true }, 'Export answers (CSV)');
  replace(page,
    el('p', { class: 'muted' }, 'Answers to the survey sent with every completion notice. Each answer counts in the quarter its change or announcement was completed. NPS = % promoters (9–10) − % detractors (0–6).'),
    form,
    el('div', { class: 'toolbar' }, el('h2', {}, 'Results'), el('span', { class: 'row' }, exportFigures, exportAnswers)),
    results);

  let last = null;
  const state = () => Object.fromEntries(Object.entries({
    customer: checked(form, 'customer').join(','), type: checked(form, 'type').join(','), from: from.value, to: to.value,
  }).filter(([, v]) => v));

  const show = () => load(results, async () => {
    const s = state();
    const data = await get(withQuery('/api/surveys', s));
    last = data;
    exportFigures.disabled = !data.total.responses;
    exportAnswers.disabled = !data.answers.length;
    if (!data.total.responses) {
      replace(results, el('p', { class: 'empty' }, `No answers from ${data.from} to ${data.to}.`));
      return;
    }
    replace(results,
      el('section', { 'aria-labelledby': 'h-total' }, el('h3', { id: 'h-total' }, `All selected customers, ${data.from} to ${data.to}`), scoreCards(data.total)),
      el('section', { 'aria-labelledby': 'h-customers' }, el('h3', { id: 'h-customers' }, 'Per customer'),
        figuresTable('Per customer', ['Customer'], data.customers.map((c) => ({
          key: c.customer, score: c.score, head: el('th', { scope: 'row' }, c.customerName, ' ', el('small', { class: 'muted' }, c.customer)),
        })))),
      el('section', { 'aria-labelledby': 'h-quarters' }, el('h3', { id: 'h-quarters' }, 'Per customer and quarter'),
        figuresTable('Per customer and quarter', ['Customer', 'Quarter'], data.rows.map((r) => ({
          key: `${r.customer}/${r.quarter}`, score: r.score,
          head: [el('th', { scope: 'row' }, r.customerName), el('td', {}, r.quarter)],
        })))),
      el('section', { 'aria-labelledby': 'h-answers' }, el('h3', { id: 'h-answers' }, 'Answers'),
        data.answers.length > SHOWN_ANSWERS || data.truncated
          ? el('p', { class: 'muted' }, `The ${Math.min(SHOWN_ANSWERS, data.answers.length)} newest are shown; export them all as CSV.`) : null,
        answersTable(data.answers.slice(0, SHOWN_ANSWERS))));
  }, 'the survey results');

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    history.replaceState(null, '', withQuery(location.pathname, state()));
    show();
  });
  const stamp = () => new Date().toISOString().slice(0, 16).replace(/[-:T]/g, '');
  exportFigures.addEventListener('click', () => {
    if (last) download(`ccm-survey-figures-${last.from}-${last.to}-${stamp()}.csv`, toCsv(FIGURES_CSV, csvFigures(last)));
  });
  exportAnswers.addEventListener('click', () => {
    if (last) download(`ccm-survey-answers-${last.from}-${last.to}-${stamp()}.csv`, toCsv(ANSWERS_CSV, last.answers));
  });
  show();
}

run(main);
