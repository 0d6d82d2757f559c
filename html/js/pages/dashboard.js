// Dashboard: counts by status (mine and everyone's), quick actions, recent changes, upcoming windows.

import { get, withQuery } from '../api.js';
import { $, el, replace } from '../dom.js';
import { load, run, startPage } from '../components/layout.js';
import { cardList } from '../components/cards.js';
import { canCreate, view } from '../model.js';

const COUNTS = [['total', 'Total', ''], ['draft', 'Drafts', 'draft'], ['submitted', 'Awaiting approval', 'submitted'],
  ['approved', 'Approved', 'approved'], ['completed', 'Completed', 'completed'], ['cancelled', 'Cancelled', 'cancelled']];

function counts(stats, base) {
  return el('ul', { class: 'stat-cards' }, COUNTS.map(([k, label, status]) =>
    el('li', {}, el('a', { class: `stat status-${status || 'all'}`, href: status ? `${base}?status=${status}` : base },
      el('span', { class: 'n' }, stats[k] ?? 0), el('span', { class: 'label' }, label)))));
}

async function main() {
  const me = await startPage();
  const page = $('#page');
  const statsBox = el('div', { 'aria-live': 'polite' });
  const recentBox = el('div');
  const upcomingBox = el('div');
  const refresh = el('button', { type: 'button' }, 'Refresh');
  const isApprover = me.roles.includes('approver') || me.roles.includes('admin');
  replace(page,
    el('section', { 'aria-labelledby': 'h-quick', class: 'quick' }, el('h2', { id: 'h-quick' }, 'Quick actions'),
      el('ul', { class: 'quick-actions' },
        canCreate(me) && el('li', {}, el('a', { class: 'button primary', href: '/create-change.html' }, 'Create a change')),
        canCreate(me) && el('li', {}, el('a', { class: 'button', href: '/create-announcement.html' }, 'Create an announcement')),
        isApprover && el('li', {}, el('a', { class: 'button', href: '/approvals.html' }, 'Review approvals')),
        el('li', {}, el('a', { class: 'button', href: '/my-changes.html' }, 'My changes')),
        el('li', {}, el('a', { class: 'button', href: '/search-changes.html' }, 'Search')))),
    el('section', { 'aria-labelledby': 'h-counts' }, el('h2', { id: 'h-counts' }, 'Counts'), statsBox),
    el('section', { 'aria-labelledby': 'h-upcoming' }, el('h2', { id: 'h-upcoming' }, 'Upcoming implementation windows'), upcomingBox),
    el('section', { 'aria-labelledby': 'h-recent' }, el('div', { class: 'row' }, el('h2', { id: 'h-recent' }, 'Recently changed'), refresh), recentBox));

  const loadStats = () => load(statsBox, async () => {
    const s = await get('/api/statistics');
    replace(statsBox, el('h3', {}, 'Yours'), counts(s.mine, '/my-changes.html'), el('h3', {}, 'Everyone\'s (that you can see)'), counts(s.all, '/search-changes.html'));
  }, 'the counts');
  const loadRecent = () => load(recentBox, async () => {
    const r = await get('/api/recent?limit=10');
    replace(recentBox, cardList(me, r.items.map(view), { onChanged: reloadAll, headingLevel: 'h3' }, 'Nothing has been created yet.'));
  }, 'recent changes');
  const loadUpcoming = () => load(upcomingBox, async () => {
    const r = await get(withQuery('/api/search', { dateField: 'start', from: new Date().toISOString(), sort: 'start', order: 'asc', status: 'submitted,approved', limit: 5 }));
    replace(upcomingBox, cardList(me, r.items.map(view), { onChanged: reloadAll, headingLevel: 'h3' }, 'No windows scheduled.'));
  }, 'upcoming windows');
  function reloadAll() { loadStats(); loadRecent(); loadUpcoming(); }
  refresh.addEventListener('click', reloadAll);
  reloadAll();
}

run(main);
