/** A handful of inline icons; decorative, so hidden from assistive technology. */
import type { JSX } from 'preact';

const paths = {
  check: 'M4 10.5l4 4 8-9',
  cross: 'M5 5l10 10M15 5L5 15',
  dash: 'M5 10h10',
  warning: 'M10 3l8 14H2L10 3zm0 5v4m0 2.5v.5',
  server: 'M3 4h14v5H3zM3 11h14v5H3zM6 6.5h.01M6 13.5h.01',
  cloud: 'M6 16h9a3.5 3.5 0 0 0 .5-7A5 5 0 0 0 6 8.5 3.75 3.75 0 0 0 6 16z',
  sync: 'M16 10a6 6 0 0 1-10.5 4M4 10a6 6 0 0 1 10.5-4M14.5 2.5V6H11M5.5 17.5V14H9',
  edit: 'M4 16l1-4 8-8 3 3-8 8-4 1zM11.5 5.5l3 3',
  apps: 'M3 3h6v6H3zM11 3h6v6h-6zM3 11h6v6H3zM11 11h6v6h-6z',
  search: 'M8.5 14a5.5 5.5 0 1 1 0-11 5.5 5.5 0 0 1 0 11zM12.5 12.5L17 17',
} as const;

export type IconName = keyof typeof paths;

export function Icon({ name, class: className }: { name: IconName; class?: string }): JSX.Element {
  return (
    <svg class={`icon ${className ?? ''}`} viewBox="0 0 20 20" aria-hidden="true" focusable="false">
      <path d={paths[name]} />
    </svg>
  );
}

export function Spinner(): JSX.Element {
  return <span class="spinner" aria-hidden="true" />;
}
