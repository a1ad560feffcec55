/**
 * What happens to every observed reload, from either source: claim it in the ledger (one per Qlik event id or
 * QRS execution), move the app's last reload in the Repository, keep a history record, publish the normalized
 * event, mark the claim done. A redelivery or an overlapping poll finds the claim and publishes nothing; the catalog
 * update, which runs beside the claim, writes the same reload again (or nothing, when a newer one is recorded).
 *
 * The history record and the publish go out side by side, as do the claim and the catalog update: an event waits
 * three round trips of writes instead of five (Qlik waits for the webhook's answer).
 *
 * Failure handling, step by step:
 * - the catalog update, the history record or the publish fails: the claim is released and the error rethrown, so
 *   the webhook answers 5xx and Qlik's retry (or the next poll, which re-reads from its watermark) processes the
 *   event again from the start; the catalog update and the history record are idempotent, so doing them twice is
 *   harmless. If the publish went out but the history record did not, the retry publishes a second time rather than
 *   leave the history without the event: EventBridge delivers at least once anyway, so subscribers dedupe on
 *   (serverId, reloadId);
 * - only marking the claim done fails: the claim is kept, so a retry inside the lease answers "in progress" instead
 *   of publishing twice. Only a crash between publish and `complete` followed by a redelivery after the lease can
 *   publish a second time.
 *
 * Why a ledger of our own instead of Powertools idempotency: the release-before-publish / keep-after-publish rule
 * above is not something its wrapper expresses (it records success or failure of the whole function), one ledger
 * serves the webhook and the poller alike, and the receiver's cold start stays free of another package. Both need
 * the same single conditional put, which works on dynalite (`npm start`) as well as on DynamoDB.
 */
import { logger } from '#lib/observability/logger.ts';
import type {
  ReloadAppCatalog,
  ReloadFinishedEvent,
  ReloadHistory,
  ReloadLedger,
  ReloadObservation,
  ReloadPublisher,
} from '#lib/reloads/reload-event.ts';

export interface ReloadPipelineDeps {
  ledger: ReloadLedger;
  history: ReloadHistory;
  catalog: ReloadAppCatalog;
  publisher: ReloadPublisher;
  /** How long a claim blocks others before a crashed worker's event may be processed again. */
  claimLeaseMs?: number;
}

export type PipelineOutcome = 'processed' | 'duplicate' | 'in-progress';

/** Longer than one event's work (five small writes) with room for a slow cold start. */
const DEFAULT_CLAIM_LEASE_MS = 60_000;

export class ReloadPipeline {
  constructor(private readonly deps: ReloadPipelineDeps) {}

  /**
   * @param key the idempotency key: `cloud#<Qlik event id>` or `onprem#<execution id>`
   */
  async process(key: string, observation: ReloadObservation): Promise<PipelineOutcome> {
    // The catalog update runs beside the claim, so an event waits one round trip less: it is idempotent (a reload
    // never overwrites a newer one), so a redelivery that loses the claim only writes the values already there.
    const completing = this.complete(observation);
    const settled = completing.then(
      () => undefined,
      () => undefined,
    );
    const claim = await this.deps.ledger
      .claim(key, this.deps.claimLeaseMs ?? DEFAULT_CLAIM_LEASE_MS)
      .catch(async (error: unknown) => {
        await settled;
        throw error;
      });
    if (claim !== 'claimed') {
      await settled;
      return claim === 'done' ? 'duplicate' : 'in-progress';
    }
    let published = false;
    try {
      const event = await completing;
      const [recorded, publishing] = await Promise.allSettled([
        this.deps.history.put(event),
        this.deps.publisher.publish(event),
      ]);
      if (publishing.status === 'rejected') throw publishing.reason;
      if (recorded.status === 'rejected') {
        logger.warn('Reload event published but not recorded; the retry publishes it again', { key });
        throw recorded.reason;
      }
      published = true;
      await this.deps.ledger.complete(key);
      return 'processed';
    } catch (error) {
      if (!published) {
        await this.deps.ledger.release(key).catch((releaseError: unknown) => {
          // The claim then simply expires after its lease; the original error is what matters.
          logger.warn('Could not release a reload event claim', { key, error: releaseError });
        });
      }
      throw error;
    }
  }

  /** Moves the app's last reload and takes the app's name from the catalog, which knows it better than Qlik's event. */
  private async complete(observation: ReloadObservation): Promise<ReloadFinishedEvent> {
    const { appName: observedName, ...rest } = observation;
    const known = await this.deps.catalog.recordReload(observation.serverId, observation.appId, {
      at: observation.finishedAt,
      status: observation.status,
    });
    // An empty catalog name (an app synced without one) says less than Qlik's event.
    return { ...rest, appName: known?.appName || observedName || null };
  }
}
