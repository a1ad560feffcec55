/** Previous / next page buttons over cursor paging (use-app-pages.ts). */
import type { JSX } from 'preact';
import type { AppPages } from '../hooks/use-app-pages.ts';

export function Pager({ pages }: { pages: AppPages }): JSX.Element {
  return (
    <nav class="pager" aria-label="Pages">
      <button
        type="button"
        class="button button--secondary"
        disabled={pages.pageNumber <= 1 || !pages.page}
        onClick={pages.previous}
      >
        Previous page
      </button>
      <span class="pager__page">Page {pages.pageNumber}</span>
      <button type="button" class="button button--secondary" disabled={!pages.page?.nextCursor} onClick={pages.next}>
        Next page
      </button>
    </nav>
  );
}
