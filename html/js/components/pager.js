// Cursor pagination as "Load more": fetches the next page with the API's nextCursor.

import { describeError } from '../api.js';
import { el, errorBox, loading, replace } from '../dom.js';

/**
 * `fetchPage(cursor)` answers `{items, nextCursor, total}`; `render(items)` answers nodes to append.
 * Answers `{node, reset()}`.
 */
export function pagedList(fetchPage, render, { empty = 'Nothing here.', what = 'items' } = {}) {
  const list = el('div', { class: 'paged' });
  const status = el('p', { class: 'muted', 'aria-live': 'polite' });
  const more = el('button', { type: 'button', class: 'load-more', hidden: true }, 'Load more');
  let cursor = null;
  let shown = 0;
  let generation = 0;
  async function next(first) {
    const gen = generation;
    const spinner = loading();
    if (first) replace(list, spinner); else list.append(spinner);
    list.setAttribute('aria-busy', 'true');
    more.hidden = true;
    try {
      const page = await fetchPage(first ? null : cursor);
      if (gen !== generation) return;
      spinner.remove();
      list.removeAttribute('aria-busy');
      cursor = page.nextCursor;
      shown += page.items.length;
      if (first && !page.items.length) list.append(el('p', { class: 'empty' }, empty));
      else list.append(...[render(page.items)].flat());
      status.textContent = page.total ? `Showing ${shown} of ${page.total} ${what}.` : '';
      more.hidden = !cursor;
    } catch (e) {
      if (gen !== generation) return;
      spinner.remove();
      list.removeAttribute('aria-busy');
      if (e.status !== 401) list.append(errorBox(`Could not load ${what}: ${describeError(e)}`, () => next(first)));
    }
  }
  more.addEventListener('click', () => next(false));
  return {
    node: el('div', {}, list, status, more),
    reset() { generation += 1; cursor = null; shown = 0; return next(true); },
  };
}
