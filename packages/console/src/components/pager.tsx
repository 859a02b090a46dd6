/** "21–40 of 53" and previous/next links for a paged list. */
export function Pager({
  page,
  limit,
  total,
  onPage,
  noun,
}: {
  page: number;
  limit: number;
  total: number;
  onPage: (p: number) => void;
  noun: string;
}) {
  const last = Math.max(1, Math.ceil(total / limit));
  const first = total === 0 ? 0 : (page - 1) * limit + 1;
  const end = Math.min(total, page * limit);
  return (
    <nav class="pager" aria-label={`${noun} pages`}>
      <p class="muted" aria-live="polite">
        {total === 0
          ? `No ${noun}`
          : `${first.toLocaleString()}–${end.toLocaleString()} of ${total.toLocaleString()} ${noun}`}
      </p>
      <div class="pager-buttons">
        <button
          type="button"
          class="btn btn-secondary btn-sm"
          disabled={page <= 1}
          onClick={() => onPage(page - 1)}
        >
          Previous
        </button>
        <span class="muted">
          Page {page} of {last}
        </span>
        <button
          type="button"
          class="btn btn-secondary btn-sm"
          disabled={page >= last}
          onClick={() => onPage(page + 1)}
        >
          Next
        </button>
      </div>
    </nav>
  );
}
