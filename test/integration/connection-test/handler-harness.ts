/** The settings and test-connection handlers, as deployed, on DynamoDB Local and the local Secrets Manager. */
import { resetAdapters } from '#lib/aws/adapters-from-env.ts';
import { callApi, type ApiCall } from '#test/support/api-events.ts';
import { startTestAws, type TestAws } from '#test/support/aws.ts';

export interface HandlerHarness {
  aws: TestAws;
  call(method: string, path: string, call?: ApiCall): ReturnType<typeof callApi>;
  close(): Promise<void>;
}

/** Points the functions' from-env wiring at test resources; each test file runs in its own process. */
export async function startHandlers(extraEnv: Record<string, string> = {}): Promise<HandlerHarness> {
  const aws = await startTestAws();
  Object.assign(process.env, aws.env, extraEnv);
  resetAdapters();
  const settings = (await import('#functions/settings-api/handler.ts')).handler;
  const test = (await import('#functions/test-connection/handler.ts')).handler;
  return {
    aws,
    call: (method, path, call) =>
      callApi(method === 'POST' && path.endsWith('/test') ? test : settings, method, path, call),
    close: () => aws.close(),
  };
}
