import type { ComponentChildren } from 'preact';

/**
 * The "From / Until" pair and the Apply / Clear buttons every filter form of the console ends
 * with (events, audit), so the lists filter by time the same way everywhere.
 */
export function TimeWindowFields(props: {
  idPrefix: string;
  from: string;
  to: string;
  onFrom: (value: string) => void;
  onTo: (value: string) => void;
}) {
  return (
    <>
      <div class="field">
        <label for={`${props.idPrefix}-from`}>From</label>
        <input
          id={`${props.idPrefix}-from`}
          type="datetime-local"
          value={props.from}
          onInput={(e) => props.onFrom(e.currentTarget.value)}
        />
      </div>
      <div class="field">
        <label for={`${props.idPrefix}-to`}>Until</label>
        <input
          id={`${props.idPrefix}-to`}
          type="datetime-local"
          value={props.to}
          onInput={(e) => props.onTo(e.currentTarget.value)}
        />
      </div>
    </>
  );
}

/** Apply, then Clear filters while any is set, then whatever the page adds (an export link). */
export function FilterActions(props: {
  filtered: boolean;
  onClear: () => void;
  children?: ComponentChildren;
}) {
  return (
    <div class="filter-actions">
      <button type="submit" class="btn btn-primary">
        Apply
      </button>
      {props.filtered ? (
        <button type="button" class="btn btn-ghost" onClick={props.onClear}>
          Clear filters
        </button>
      ) : null}
      {props.children}
    </div>
  );
}
