/**
 * One polite live region for status messages (saved, test finished, sync finished). Errors use role="alert"
 * where they appear, so they are announced at once.
 */
import { useEffect, useState } from 'preact/hooks';
import type { JSX } from 'preact';

type Listener = (message: string) => void;
const listeners = new Set<Listener>();

export function announce(message: string): void {
  for (const listener of listeners) listener(message);
}

export function Announcer(): JSX.Element {
  const [message, setMessage] = useState('');
  useEffect(() => {
    // Clearing first makes a repeated identical message be read again.
    const listener: Listener = (next) => {
      setMessage('');
      setTimeout(() => setMessage(next), 50);
    };
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return (
    <div class="visually-hidden" aria-live="polite" aria-atomic="true" data-testid="announcer">
      {message}
    </div>
  );
}
