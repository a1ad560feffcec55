/**
 * The list of problems at the top of a form after a failed save or test, announced at once (role="alert"),
 * each linking to its field.
 */
import { useEffect, useRef } from 'preact/hooks';

export interface SummaryItem {
  message: string;
  /** The id of the input the message belongs to, if any. */
  target?: string;
}

export function ErrorSummary({ title, items, focusKey }: { title: string; items: SummaryItem[]; focusKey: number }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (items.length) ref.current?.focus();
    // Focus moves once per failed submit, not on every render.
  }, [focusKey]);
  if (!items.length) return null;
  return (
    <div class="error-summary" role="alert" tabIndex={-1} ref={ref} data-testid="error-summary">
      <h2 class="error-summary__title">{title}</h2>
      <ul>
        {items.map((item, index) => (
          <li key={`${index}-${item.message}`}>
            {item.target ? (
              <a
                href={`#${item.target}`}
                onClick={(e) => {
                  // A hash link would change the route; focus the field instead.
                  e.preventDefault();
                  document.getElementById(item.target ?? '')?.focus();
                }}
              >
                {item.message}
              </a>
            ) : (
              item.message
            )}
          </li>
        ))}
      </ul>
    </div>
  );
}
