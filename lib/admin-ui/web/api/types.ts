/**
 * The shapes the admin page reads from the HTTP API (see the HTTP contract). Server shapes come from the service's
 * own view types through type-only imports (esbuild erases them, so no server module reaches the browser bundle):
 * a field the API adds or changes is a compile error here, not a silent drift.
 */
import type { CheckResult, CheckStatus, LastSync, TestResult as StoredTestResult } from '#lib/servers/server-record.ts';
import type { CloudView, OnPremView, ServerView } from '#lib/servers/server-view.ts';
import type { ServerId } from '#lib/servers/server-settings.ts';
export type { CheckResult, CheckStatus, LastSync, ServerId, ServerView };
export type OnPremServerView = OnPremView;
export type CloudServerView = CloudView;

/** What `POST /api/servers/{id}/test` answers. */
export interface TestResult extends StoredTestResult {
  /** Problems that do not fail the test (e.g. the web integration lacks this page's origin). */
  warnings?: string[];
}

export interface NamedRef {
  id: string;
  name: string;
}

export interface RepositoryApp {
  id: string;
  name: string;
  stream?: NamedRef | null;
  space?: NamedRef | null;
  owner: string | null;
  published: boolean;
  publishTime: string | null;
  lastReload: { at: string; status: 'succeeded' | 'failed' | 'canceled' | 'unknown' } | null;
  modifiedAt: string | null;
  syncedAt: string | null;
}

export interface AppPage {
  apps: RepositoryApp[];
  nextCursor: string | null;
}

export interface UploadedFile {
  fileName: string;
  contentBase64: string;
}

/** The body of `PUT /api/servers/{id}` and `POST /api/servers/{id}/test`. */
export type ServerDraft = Record<string, string | number | boolean | UploadedFile | null>;

export interface FieldError {
  field: string;
  message: string;
}
