/**
 * Builds the service stack into a temporary directory, never `cdk.out`, with the feature flags of `cdk.json`, and
 * offers small readers over the template that the infra specs share.
 *
 * The template specs skip bundling, cdk-nag and CDK's built-in CloudFormation validation: the template is the same
 * apart from the code's asset hash, and esbuild, the admin page build, the nag rules and the validation would cost
 * seconds of CPU per spec file (the validation alone about 4 s). `app-synth.test.ts` synthesizes the real app
 * (`createApp()`: bundling, cdk-nag and the built-in validation, as `cdk synth` does).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnResource, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildStack } from '../../infra/app.ts';
import type { KpimailerQlikStack } from '../../infra/kpimailer-qlik-stack.ts';

/** CDK context that skips asset bundling for every stack (what `cdk synth --exclusively` uses for other stacks). */
export const SKIP_BUNDLING = { 'aws:cdk:bundling-stacks': [] as string[] };

/** The context of `cdk.json` (feature flags), which the CLI passes to the app and `new App()` alone would not read. */
export const CDK_JSON_CONTEXT = (
  JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { context: Record<string, unknown> }
).context;

export interface CfnResourceJson {
  Type: string;
  Properties?: Record<string, unknown>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
}

export interface PolicyStatementJson {
  Effect: string;
  Action: string | string[];
  Resource: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

export interface SynthesizedStack {
  stack: KpimailerQlikStack;
  template: Template;
  outdir: string;
  resources: Record<string, CfnResourceJson>;
  /** Removes the temporary output directory. */
  dispose(): void;
}

export function synthesizeStack(context: Record<string, unknown> = {}): SynthesizedStack {
  const outdir = mkdtempSync(join(tmpdir(), 'kpimailer-infra-'));
  const app = new App({
    outdir,
    context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING, ...context },
    builtinCloudFormationValidation: false,
  });
  const stack = buildStack(app);
  const template = Template.fromStack(stack);
  const resources = template.toJSON().Resources as Record<string, CfnResourceJson>;
  return { stack, template, outdir, resources, dispose: () => rmSync(outdir, { recursive: true, force: true }) };
}

/** The logical id of a construct's CloudFormation resource. */
export function logicalIdOf(construct: IConstruct): string {
  return Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnResource);
}

export function resourcesOfType(resources: Record<string, CfnResourceJson>, type: string): [string, CfnResourceJson][] {
  return Object.entries(resources).filter(([, resource]) => resource.Type === type);
}

/** The one resource of a type; fails when there is none or more than one. */
export function onlyResourceOfType(
  resources: Record<string, CfnResourceJson>,
  type: string,
): { id: string; resource: CfnResourceJson } {
  const matches = resourcesOfType(resources, type);
  const [match] = matches;
  if (matches.length !== 1 || !match) throw new Error(`expected exactly one ${type}, found ${matches.length}`);
  return { id: match[0], resource: match[1] };
}

export function asArray<T>(value: T | T[]): T[] {
  return Array.isArray(value) ? value : [value];
}

/**
 * A CloudFormation value as readable text: `{Ref: X}` -> `<X>`, `{Fn::GetAtt: [X, Arn]}` -> `<X.Arn>`,
 * `{Fn::Join: ['', [...]]}` -> the parts concatenated.
 */
export function flatten(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const node = value as Record<string, unknown>;
    if (typeof node.Ref === 'string') return `<${node.Ref}>`;
    if (Array.isArray(node['Fn::GetAtt'])) return `<${(node['Fn::GetAtt'] as string[]).join('.')}>`;
    if (Array.isArray(node['Fn::Join'])) {
      const [separator, parts] = node['Fn::Join'] as [string, unknown[]];
      return parts.map(flatten).join(separator);
    }
  }
  return JSON.stringify(value);
}

/** Every statement of every inline policy attached to the given role (all roles when omitted). */
export function policyStatements(
  resources: Record<string, CfnResourceJson>,
  roleLogicalId?: string,
): PolicyStatementJson[] {
  return resourcesOfType(resources, 'AWS::IAM::Policy')
    .filter(([, policy]) => {
      if (!roleLogicalId) return true;
      const roles = (policy.Properties?.Roles ?? []) as unknown[];
      return roles.some((role) => flatten(role) === `<${roleLogicalId}>`);
    })
    .flatMap(([, policy]) => {
      const document = policy.Properties?.PolicyDocument as { Statement: PolicyStatementJson[] };
      return document.Statement;
    });
}

/** The grants of one role as `action -> flattened resources`, merged over all its statements. */
export function grantsOf(resources: Record<string, CfnResourceJson>, roleLogicalId: string): Map<string, Set<string>> {
  const grants = new Map<string, Set<string>>();
  for (const statement of policyStatements(resources, roleLogicalId)) {
    if (statement.Effect !== 'Allow') continue;
    for (const action of asArray(statement.Action)) {
      const granted = grants.get(action) ?? new Set<string>();
      for (const resource of asArray(statement.Resource)) granted.add(flatten(resource));
      grants.set(action, granted);
    }
  }
  return grants;
}
