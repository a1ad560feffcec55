import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type App, Validations } from 'aws-cdk-lib';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../infra/app.ts';
import { PROJECT_ROOT } from '../../infra/function-bundling.ts';
import type { KpimailerQlikStack } from '../../infra/kpimailer-qlik-stack.ts';
import { CDK_JSON_CONTEXT, SKIP_BUNDLING, logicalIdOf } from './synthesized-stack.ts';

const outdirs: string[] = [];
function temporaryOutdir(): string {
  const outdir = mkdtempSync(join(tmpdir(), 'kpimailer-app-'));
  outdirs.push(outdir);
  return outdir;
}
afterAll(() => {
  for (const outdir of outdirs.splice(0)) rmSync(outdir, { recursive: true, force: true });
});

describe('the CDK app, as `cdk synth` builds it', () => {
  let app: App;
  let stack: KpimailerQlikStack;
  beforeAll(() => {
    // cdk-nag registered, every function bundled by local esbuild, the feature flags of cdk.json
    ({ app, stack } = createApp({ outdir: temporaryOutdir(), context: CDK_JSON_CONTEXT }));
    // Bundling seven functions and the admin page takes minutes of CPU on a busy machine.
  }, 300_000);

  /** The directory of a function's code asset in the cloud assembly. */
  function assetDirOf(fn: 'settingsApi' | 'testConnection' | 'adminUi'): string {
    const assembly = app.synth();
    const template = assembly.getStackArtifact(stack.artifactId).template as {
      Resources: Record<string, { Properties: { Code: { S3Key: string } } }>;
    };
    const s3Key = template.Resources[logicalIdOf(stack[fn].function)]?.Properties.Code.S3Key ?? '';
    return join(assembly.directory, `asset.${s3Key.replace(/\.zip$/, '')}`);
  }

  /** A function asset's code: the handler file and its lazily loaded chunks (infra/function-bundling.ts). */
  function codeFilesOf(assetDir: string, extension: '.mjs' | '.mjs.map'): string[] {
    const chunks = existsSync(join(assetDir, 'chunks')) ? readdirSync(join(assetDir, 'chunks')) : [];
    return [`index${extension}`, ...chunks.filter((name) => name.endsWith(extension)).map((name) => `chunks/${name}`)]
      .map((name) => join(assetDir, name))
      .filter((file) => existsSync(file));
  }

  // Synthesis bundles nothing again, but validating the whole tree under cdk-nag is CPU-bound.
  it('synthesizes with every cdk-nag AwsSolutions finding fixed or acknowledged', () => {
    expect(() => app.synth()).not.toThrow();
  }, 120_000);

  it('has no dependency cycle between resources (CloudFormation would refuse to deploy it)', () => {
    // Prepare
    const template = app.synth().getStackArtifact(stack.artifactId).template as {
      Resources: Record<string, { DependsOn?: string | string[] } & Record<string, unknown>>;
    };
    const ids = new Set(Object.keys(template.Resources));
    const edges = new Map<string, string[]>();
    for (const [id, resource] of Object.entries(template.Resources)) {
      const text = JSON.stringify(resource);
      const referenced = [...text.matchAll(/"(?:Ref|Fn::GetAtt)":\s*(?:"([^"]+)"|\["([^"]+)")/g)]
        .map((match) => match[1] ?? match[2] ?? '')
        .concat([resource.DependsOn ?? []].flat());
      edges.set(
        id,
        [...new Set(referenced)].filter((target) => ids.has(target)),
      );
    }

    // Act: depth-first search for a back edge
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const visit = (id: string, path: string[]): void => {
      if (state.get(id) === 'done') return;
      if (state.get(id) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(id)), id].join(' -> '));
        return;
      }
      state.set(id, 'visiting');
      for (const next of edges.get(id) ?? []) visit(next, [...path, id]);
      state.set(id, 'done');
    };
    for (const id of ids) visit(id, []);

    // Assess
    expect(cycles).toEqual([]);
  });

  it.each(['settingsApi', 'testConnection', 'adminUi'] as const)(
    'bundles %s as an ES module with a require shim and a source map',
    (fn) => {
      // Act
      const bundle = readFileSync(join(assetDirOf(fn), 'index.mjs'), 'utf8');

      // Assess
      expect(bundle.startsWith("import { createRequire as __kpimailerCreateRequire } from 'node:module';")).toBe(true);
      expect(bundle).toContain('sourceMappingURL=index.mjs.map');
      expect(readFileSync(join(assetDirOf(fn), 'index.mjs.map'), 'utf8')).toContain('"mappings"');
    },
  );

  it.each(['settingsApi', 'testConnection'] as const)('bundles the AWS SDK into %s', (fn) => {
    // Prepare: the handler file and every chunk it may load
    const bundle = codeFilesOf(assetDirOf(fn), '.mjs')
      .map((file) => readFileSync(file, 'utf8'))
      .join('\n');

    // Act: a static import or require of an SDK package means it was left to the runtime's copy. (The SDK's own
    // optional `require('@aws-sdk/signature-v4-crt')`, for SigV4a only, stays unresolved on purpose.)
    const external = [...bundle.matchAll(/(?:from\s*|require\(\s*)["'](@aws-sdk\/[^"']+)["']/g)]
      .map((match) => match[1])
      .filter((name) => !/^@aws-sdk\/signature-v4(?:a|-crt)$/.test(name ?? ''));

    // Assess
    expect(external).toEqual([]);
    expect(bundle).toContain('@aws-sdk/client-');
  });

  it('bundles no test code into any function: the Qlik simulators and test support stay out of Lambda', () => {
    // Prepare: every function asset of the stack (the bundles are minified; their source maps list every input).
    const assembly = app.synth();
    const template = assembly.getStackArtifact(stack.artifactId).template as {
      Resources: Record<string, { Type: string; Properties: { Code?: { S3Key?: unknown } } }>;
    };
    const maps = Object.values(template.Resources)
      .filter(
        (resource) => resource.Type === 'AWS::Lambda::Function' && typeof resource.Properties.Code?.S3Key === 'string',
      )
      .map((resource) =>
        codeFilesOf(
          join(assembly.directory, `asset.${String(resource.Properties.Code!.S3Key).replace(/\.zip$/, '')}`),
          '.mjs.map',
        ),
      )
      .filter((assetMaps) => assetMaps.length > 0);

    // Act: every source of a function's handler file and chunks (a chunk's sources are relative to chunks/)
    const bundles = maps.map((assetMaps) =>
      assetMaps.flatMap((map) =>
        (JSON.parse(readFileSync(map, 'utf8')) as { sources: string[] }).sources.filter(
          (source) => !source.includes('node_modules/'),
        ),
      ),
    );

    // Assess: one bundle per function folder, each built from its own handler, none from test/.
    const entries = bundles.map((sources) =>
      sources.find((source) => /(^|\/)functions\/[^/]+\/handler\.ts$/.test(source))?.replace(/^.*functions\//, ''),
    );
    expect(entries.sort()).toEqual(
      readdirSync(join(PROJECT_ROOT, 'functions'))
        .map((name) => `${name}/handler.ts`)
        .sort(),
    );
    expect(bundles.flat().filter((source) => /(^|\/)test\//.test(source))).toEqual([]);
  });

  it('ships the built admin page next to the admin UI bundle', () => {
    const html = readFileSync(join(assetDirOf('adminUi'), 'admin-ui', 'index.html'), 'utf8');
    expect(html).toMatch(/<script type="module" src="assets\/app-[^"]+\.js" integrity="sha384-/);
  });
});

describe('cdk-nag AwsSolutions checks', () => {
  it('run during synthesis (a non-compliant resource fails it)', () => {
    // Prepare: a secret without rotation is AwsSolutions-SMG4
    const { app, stack } = createApp({ outdir: temporaryOutdir(), context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING } });
    new Secret(stack, 'UnrotatedSecret');

    // Act / Assess
    expect(() => app.synth()).toThrow(/AwsSolutions-SMG4/);
  }, 180_000);

  it('are acknowledged only where a written reason explains why', () => {
    // Prepare
    const { stack } = createApp({ outdir: temporaryOutdir(), context: { ...CDK_JSON_CONTEXT, ...SKIP_BUNDLING } });

    // Act
    const acknowledged = stack.node.findAll().flatMap((construct) =>
      construct.node.metadata
        .filter((entry) => entry.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
        .flatMap((entry) =>
          Object.entries(entry.data as Record<string, string>).map(([rule, reason]) => ({
            path: construct.node.path,
            rule: rule.replace(/^annotation::/i, ''),
            reason,
          })),
        ),
    );

    // Assess
    expect(acknowledged.map(({ path, rule }) => `${path} ${rule}`).sort()).toEqual([
      'KpimailerQlik/AdminApi/HttpApi/GET-- AwsSolutions-APIG4',
      'KpimailerQlik/AdminApi/HttpApi/GET--assets--{proxy+} AwsSolutions-APIG4',
      'KpimailerQlik/AdminApi/HttpApi/GET--config.json AwsSolutions-APIG4',
      'KpimailerQlik/AdminAuth/AccessTokenClaims/Role AwsSolutions-IAM5[Resource::*]',
      'KpimailerQlik/AdminUi/Role AwsSolutions-IAM5[Resource::*]',
      'KpimailerQlik/AppSync/ScheduledSync/Role AwsSolutions-IAM5[Resource::*]',
      'KpimailerQlik/Extractions/CloudDeadLetters AwsSolutions-SQS3',
      'KpimailerQlik/Extractions/OnpremDeadLetters AwsSolutions-SQS3',
      'KpimailerQlik/Extractions/Results AwsSolutions-S1',
      'KpimailerQlik/Extractions/Worker/Role AwsSolutions-IAM5[Resource::*]',
      'KpimailerQlik/Extractions/Worker/Role AwsSolutions-IAM5[Resource::<ExtractionsResultsB9813C14.Arn>/results/*]',
      'KpimailerQlik/ReloadEvents/ReloadMonitor/Role AwsSolutions-IAM5[Resource::*]',
      'KpimailerQlik/ReloadEvents/WebhookReceiver/Role AwsSolutions-IAM5[Resource::*]',
      'KpimailerQlik/SettingsApi/Role AwsSolutions-IAM5[Resource::*]',
      'KpimailerQlik/SettingsApi/Role AwsSolutions-IAM5[Resource::<ExtractionsResultsB9813C14.Arn>/results/*]',
      'KpimailerQlik/TestConnection/Role AwsSolutions-IAM5[Resource::*]',
    ]);
    for (const { reason } of acknowledged) expect(reason.length).toBeGreaterThan(40);
  });
});
