/**
 * The one event KPImailer's report and alert engines react to: "an app reload finished", whether Qlik Cloud told
 * us through its webhook or we saw it while polling the on-premise repository. Both sources are normalized to
 * this shape before anything is stored or published, so the engines never learn which Qlik flavour they face.
 *
 * Ports of the reload domain live here too; adapters are injected at the edge (handler modules, local runtime).
 */
import type { ServerId } from '#lib/servers/server-settings.ts';

export type ReloadStatus = 'succeeded' | 'failed' | 'canceled';
export type ReloadSource = 'webhook' | 'poll';

/** EventBridge detail-type of every published reload event; subscribers match on it. */
export const RELOAD_FINISHED_DETAIL_TYPE = 'Qlik app reload finished';
/** EventBridge source of the service's events. */
export const RELOAD_EVENT_SOURCE = 'kpimailer.qlik';

export interface ReloadFinishedEvent {
  serverId: ServerId;
  appId: string;
  /** From the app catalog, else from Qlik's event; null when neither knows the app yet. */
  appName: string | null;
  /** Qlik Cloud's reload id, or the QRS execution id. With `serverId` it identifies the reload. */
  reloadId: string;
  status: ReloadStatus;
  startedAt: string | null;
  finishedAt: string;
  source: ReloadSource;
  /** Qlik's own words for a failure (error message or code), when it gave any. */
  error?: string;
}

/** A normalized event before the app catalog has been asked for the app's name. */
export type ReloadObservation = Omit<ReloadFinishedEvent, 'appName'> & { appName?: string | null };

/**
 * The part of the Repository the reload pipeline uses (implemented by `lib/repository/app-catalog.ts`): moves the
 * app's last reload and answers with what the catalog knows of the app, or null when the app is not synced yet.
 */
export interface ReloadAppCatalog {
  recordReload(
    serverId: ServerId,
    appId: string,
    reload: { at: string; status: ReloadStatus },
  ): Promise<{ appName: string } | null>;
}

/** Where finished reloads go next: an EventBridge bus in AWS, the local store and the log under `npm start`. */
export interface ReloadPublisher {
  publish(event: ReloadFinishedEvent): Promise<void>;
}

/** The reload history behind `GET /api/servers/{id}/reloads`. */
export interface ReloadHistory {
  /** Writing the same reload twice leaves one record (the key is the reload, not the call). */
  put(event: ReloadFinishedEvent): Promise<void>;
  /** Newest first by `finishedAt`. */
  list(serverId: ServerId, limit: number): Promise<ReloadFinishedEvent[]>;
}

export type ClaimOutcome = 'claimed' | 'done' | 'in-progress';

/**
 * How long the ledger remembers an event: Qlik keeps a webhook's delivery history (and can resend it) for 7 days, a
 * day more covers a late manual resend. An event older than this could be a replay the ledger no longer recognises,
 * so the webhook receiver refuses it.
 */
export const DEDUPLICATION_WINDOW_MS = 8 * 24 * 60 * 60 * 1000;

/**
 * Idempotency records, one per Qlik event id or QRS execution: a claim is a conditional put, so a redelivery
 * or an overlapping poll finds the record and does nothing. A claim expires after `leaseMs` so a crashed worker
 * never blocks the event for good; a completed record lives until its TTL.
 */
export interface ReloadLedger {
  claim(key: string, leaseMs: number): Promise<ClaimOutcome>;
  complete(key: string): Promise<void>;
  /** Gives up a claim after a failure, so the sender's retry can process the event at once. */
  release(key: string): Promise<void>;
}

/** The on-premise polling position, kept beside the ledger so a restart resumes where the last run stopped. */
export interface PollWatermarks {
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
}
