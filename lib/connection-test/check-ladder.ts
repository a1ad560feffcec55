/**
 * The check ladder shared by both server types: checks run in order, each under its own timeout and all under one
 * deadline; the first failure marks every later check `skipped`, because each one depends on the ones before it.
 */
import type { CheckResult, TestResult } from '#lib/servers/server-record.ts';

/** A check fails by throwing this (or anything): its message is shown to the admin as is. */
export class CheckFailedError extends Error {
  override readonly name = 'CheckFailedError';
}

export interface Check<Context> {
  name: string;
  timeoutMs: number;
  /** Resolves with the message shown when the check passes. */
  run(context: Context, signal: AbortSignal): Promise<string>;
}

export interface LadderOptions {
  /** The whole test must answer inside API Gateway's 30 s integration timeout. */
  deadlineMs: number;
  onProgress?: (checks: CheckResult[]) => void;
  now?: () => number;
}

export async function runCheckLadder<Context>(
  checks: Check<Context>[],
  context: Context,
  options: LadderOptions,
): Promise<TestResult> {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const results: CheckResult[] = checks.map((c) => ({ name: c.name, status: 'skipped', message: '', durationMs: 0 }));
  let failed = false;
  for (const [index, check] of checks.entries()) {
    const result = results[index]!;
    if (failed) {
      result.message = 'Skipped: an earlier check failed.';
      continue;
    }
    const remaining = options.deadlineMs - (now() - started);
    const timeoutMs = Math.max(0, Math.min(check.timeoutMs, remaining));
    const checkStarted = now();
    try {
      result.message = await withTimeout((signal) => check.run(context, signal), timeoutMs, check.name);
      result.status = 'passed';
    } catch (error) {
      failed = true;
      result.status = 'failed';
      result.message = error instanceof Error ? error.message : String(error);
    }
    result.durationMs = Math.round(now() - checkStarted);
    options.onProgress?.(results.map((r) => ({ ...r })));
  }
  return { ok: !failed, checks: results };
}

async function withTimeout<T>(work: (signal: AbortSignal) => Promise<T>, timeoutMs: number, name: string): Promise<T> {
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new CheckFailedError(`${name} did not finish within ${Math.round(timeoutMs / 100) / 10} s.`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([work(controller.signal), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
