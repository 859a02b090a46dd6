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

/** A labelled select of a filter form: "all" first, then one option per [value, label]. */
export function SelectField(props: {
  id: string;
  label: string;
  value: string;
  allLabel: string;
  options: [value: string, label: string][];
  onChange: (value: string) => void;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select
        id={props.id}
        value={props.value}
        onChange={(e) => props.onChange(e.currentTarget.value)}
      >
        <option value="">{props.allLabel}</option>
        {props.options.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </select>
    </div>
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
