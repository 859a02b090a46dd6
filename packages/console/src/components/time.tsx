import { formatFull, formatRelative } from '../format.js';

/** A time in words ("5 minutes ago"); the full date is in the tooltip and the datetime attribute. */
export function Time({ iso, never = 'Never' }: { iso: string | null; never?: string }) {
  if (!iso) return <span class="muted">{never}</span>;
  return (
    <time dateTime={iso} title={formatFull(iso)}>
      {formatRelative(iso)}
    </time>
  );
}
