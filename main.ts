/**
 * Wiring only: validate every platform, plan each platform × environment, create its stacks,
 * synthesize, and write the who-can-read-what report next to each stack.
 *
 * `VSP_ONLY=waqiti-local,pea-forecast-local` limits synthesis to some platform × environment pairs.
 * `VSP_PLATFORMS_MODULE=<file>` synthesizes the `PLATFORMS` exported by another module (tests, bench).
 */
import { App } from 'cdktf';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildAccessReport, renderAccessMarkdown } from './config/access-report';
import { planPlatform, type PlatformPlan } from './config/plan';
import { PLATFORMS } from './config/platforms';
import { PlatformConfigError, validatePlatforms } from './config/validate';
import { createPlatformStacks } from './stacks';

function main(): void {
  let platforms;
  try {
    const source: unknown[] = process.env.VSP_PLATFORMS_MODULE
      ? require(resolve(process.env.VSP_PLATFORMS_MODULE)).PLATFORMS
      : [...PLATFORMS];
    platforms = validatePlatforms(source);
  } catch (err) {
    if (err instanceof PlatformConfigError) {
      process.stderr.write(`${err.message}\n\nNothing was synthesized.\n`);
      process.exit(1);
    }
    throw err;
  }
  const only = process.env.VSP_ONLY?.split(',').filter(Boolean);
  const app = new App();
  const written: Array<{ plan: PlatformPlan; stacks: string[] }> = [];
  for (const platform of platforms) {
    for (const envName of Object.keys(platform.environments)) {
      if (only && !only.includes(`${platform.name}-${envName}`)) continue;
      const plan = planPlatform(platform, envName);
      written.push({ plan, stacks: createPlatformStacks(app, plan).map((s) => s.node.id) });
    }
  }
  app.synth();
  for (const { plan, stacks } of written) {
    const report = buildAccessReport(plan);
    const markdown = renderAccessMarkdown(report);
    for (const stack of stacks) {
      const dir = join(app.outdir, 'stacks', stack);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'access-report.json'), `${JSON.stringify(report, null, 2)}\n`);
      writeFileSync(join(dir, 'access-report.md'), markdown);
    }
  }
}

main();
