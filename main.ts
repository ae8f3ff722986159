/**
 * Wiring only: load and validate every platform, plan each platform × environment, create its
 * stacks, synthesize, and write the who-can-read-what report next to each stack.
 *
 * `VSP_ONLY=waqiti-local,pea-forecast-local` limits synthesis to some platform × environment pairs.
 * `VSP_PLATFORMS_MODULE=<file>` synthesizes the `PLATFORMS` exported by another module (tests, bench).
 *
 * Bad input (a broken platforms module, an invalid platform, an unknown `VSP_ONLY` pair) is reported
 * before cdktf is even loaded: exit 1, nothing written, no stack trace.
 */
import type * as Cdktf from 'cdktf';
import type * as Fs from 'node:fs';
import type * as Path from 'node:path';
import type * as AccessReport from './config/access-report';
import { loadPlatforms, PlatformsModuleError } from './config/load';
import { pairName } from './config/names';
import type * as Plan from './config/plan';
import type { PlatformConfig } from './config/schema';
import { PlatformConfigError, validatePlatforms } from './config/validate';
import type * as Stacks from './stacks';

function fail(message: string): never {
  process.stderr.write(`${message}\n\nNothing was synthesized.\n`);
  process.exit(1);
}

/** Validated platforms and the pairs to synthesize; exits with a clean message on bad input. */
function validatedInput(): { platforms: PlatformConfig[]; pairs: Array<[PlatformConfig, string]> } {
  let platforms: PlatformConfig[];
  try {
    platforms = validatePlatforms(loadPlatforms(process.env.VSP_PLATFORMS_MODULE || undefined));
  } catch (err) {
    if (err instanceof PlatformsModuleError) fail(`Invalid platforms module: ${err.message}\n  hint: ${err.hint}`);
    if (err instanceof PlatformConfigError) fail(err.message);
    throw err;
  }
  const all = platforms.flatMap((p) => Object.keys(p.environments).map((env): [PlatformConfig, string] => [p, env]));
  const only = process.env.VSP_ONLY?.split(',').map((s) => s.trim()).filter(Boolean);
  if (!only) return { platforms, pairs: all };
  const known = new Set(all.map(([p, env]) => pairName(p.name, env)));
  const unknown = only.filter((o) => !known.has(o));
  if (unknown.length > 0) fail(`Invalid VSP_ONLY: ${unknown.map((u) => `"${u}"`).join(', ')} ${unknown.length === 1 ? 'is not a' : 'are not'} platform × environment pair${unknown.length === 1 ? '' : 's'}\n  hint: use <platform>-<env>, one of ${[...known].join(', ')}`);
  return { platforms, pairs: all.filter(([p, env]) => only.includes(pairName(p.name, env))) };
}

function main(): void {
  const { pairs } = validatedInput();
  // Loaded only for valid input: bad input is reported in well under a second.
  const { App } = require('cdktf') as typeof Cdktf;
  const { mkdirSync, writeFileSync } = require('node:fs') as typeof Fs;
  const { join } = require('node:path') as typeof Path;
  const { buildAccessReport, renderAccessMarkdown } = require('./config/access-report') as typeof AccessReport;
  const { planPlatform } = require('./config/plan') as typeof Plan;
  const { createPlatformStacks } = require('./stacks') as typeof Stacks;

  const app = new App();
  const written = pairs.map(([platform, envName]) => {
    const plan = planPlatform(platform, envName);
    return { plan, stacks: createPlatformStacks(app, plan).map((s) => s.node.id) };
  });
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

try {
  main();
} catch (err) {
  // Valid input never gets here (a property test synthesizes random valid platforms); if it does, say so plainly.
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`Internal error while building the stacks: ${message}\n  This input passed validation, so this is a bug in vault-secrets-platform.\n`);
  if (process.env.VSP_DEBUG) process.stderr.write(`${err instanceof Error ? err.stack : ''}\n`);
  process.exit(2);
}
