import { pathToFileURL } from 'node:url';
import { App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { KpimailerQlikStack } from './kpimailer-qlik-stack.ts';

/** The stack's construct id, and its CloudFormation name unless `stackName` is given in context. */
export const STACK_ID = 'KpimailerQlik';

/** Adds the service stack to an app. Env-agnostic: deploys to the CLI's account and region. */
export function buildStack(app: App): KpimailerQlikStack {
  const stackName = app.node.tryGetContext('stackName') as string | undefined;
  const receiverConcurrency = app.node.tryGetContext('webhookReceiverConcurrency') as string | number | undefined;
  const alarmEmail = app.node.tryGetContext('alarmEmail') as string | undefined;
  const adminDomainName = app.node.tryGetContext('adminDomainName') as string | undefined;
  return new KpimailerQlikStack(app, STACK_ID, {
    ...(stackName ? { stackName } : {}),
    ...(receiverConcurrency !== undefined ? { webhookReceiverConcurrency: Number(receiverConcurrency) } : {}),
    ...(alarmEmail ? { alarmEmail } : {}),
    ...(adminDomainName ? { adminDomainName } : {}),
  });
}

/**
 * The CDK app with cdk-nag's AwsSolutions checks registered as a validation plugin: any unacknowledged ERROR
 * finding fails `app.synth()` (and `cdk synth`).
 *
 * @example
 * // in a test: synthesize into a temporary directory instead of cdk.out
 * const { app } = createApp({ outdir: mkdtempSync(join(tmpdir(), 'cdk-')) });
 * app.synth();
 */
export function createApp(props: AppProps = {}): { app: App; stack: KpimailerQlikStack } {
  const app = new App(props);
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { verbose: true }));
  const stack = buildStack(app);
  return { app, stack };
}

// Run by the CDK CLI (`"app": "npx tsx infra/app.ts"` in cdk.json); importing this module from a test does nothing.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  createApp().app.synth();
}
