/** SyncTrigger in AWS: an asynchronous (`Event`) invoke of the scheduled-sync function, so the API answers at once. */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { SyncRequest } from '#lib/repository/app-sync-service.ts';
import type { SyncInvocation, SyncTrigger } from '#lib/repository/sync-trigger.ts';

export class LambdaSyncTrigger implements SyncTrigger {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async start(request: Required<SyncRequest>): Promise<void> {
    const payload: SyncInvocation = { kind: 'app-sync', request };
    const result = await this.client.send(
      new InvokeCommand({
        FunctionName: this.functionName,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
    // An accepted asynchronous invoke answers 202; anything else means the run will not happen.
    if (result.StatusCode !== 202)
      throw new Error(`Lambda did not accept the sync run (status ${result.StatusCode ?? 'none'}).`);
  }
}
