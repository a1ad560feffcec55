/**
 * Switchable misbehaviour of the simulated site. Faults that only need a different site (another CA, other
 * certificate names, a user without RootAdmin) are start options or seeds; these are the ones that change
 * while a test runs.
 */

export interface PathFailure {
  method?: string;
  /** Exact path (case-insensitive) or a pattern tested against the path. */
  path: string | RegExp;
  status: number;
  message?: string;
  /** How many requests fail; default: all of them. */
  times?: number;
}

export type EditableKind = 'proxyservice' | 'virtualproxyconfig';

export class SimulatorFaults {
  /** Delay before every answer, as a WAN round trip would add. */
  latencyMs = 0;
  private failures: Array<PathFailure & { remaining: number }> = [];
  private pendingEdits: Record<EditableKind, number> = { proxyservice: 0, virtualproxyconfig: 0 };

  /** Answers matching requests with `status` (and `message` as Qlik's plain-text body). */
  failPath(failure: PathFailure): void {
    this.failures.push({ ...failure, remaining: failure.times ?? Number.POSITIVE_INFINITY });
  }

  /**
   * Someone else saves the entity right before the next `times` PUTs to it reach the repository, so those PUTs
   * carry a stale modifiedDate and get 409, exactly as a concurrent QMC edit causes.
   */
  concurrentEdit(kind: EditableKind, times = 1): void {
    this.pendingEdits[kind] += times;
  }

  /** @internal the server asks before routing */
  takeFailure(method: string, path: string): PathFailure | undefined {
    const lower = path.toLowerCase();
    const hit = this.failures.find(
      (f) =>
        f.remaining > 0 &&
        (!f.method || f.method.toUpperCase() === method) &&
        (typeof f.path === 'string' ? f.path.toLowerCase() === lower : f.path.test(path)),
    );
    if (hit) hit.remaining -= 1;
    return hit;
  }

  /** @internal */
  takeEdit(kind: EditableKind): boolean {
    if (this.pendingEdits[kind] <= 0) return false;
    this.pendingEdits[kind] -= 1;
    return true;
  }

  reset(): void {
    this.latencyMs = 0;
    this.failures = [];
    this.pendingEdits = { proxyservice: 0, virtualproxyconfig: 0 };
  }
}
