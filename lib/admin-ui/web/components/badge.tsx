import type { ComponentChildren, JSX } from 'preact';
import type { Tone } from '../model/format.ts';

export function Badge({ tone, children }: { tone: Tone; children: ComponentChildren }): JSX.Element {
  return <span class={`badge badge--${tone}`}>{children}</span>;
}
