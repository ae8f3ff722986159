import { Testing } from 'cdktf';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { planPlatform, type PlatformPlan } from '../../config/plan';
import { PLATFORMS } from '../../config/platforms';
import type { PlatformConfig } from '../../config/schema';
import { createPlatformStacks } from '../../stacks';
import type { PlatformStack } from '../../stacks/platform-stack';

/** A synthesized stack: its name, the construct, the JSON string and the parsed JSON. */
export interface SynthesizedStack {
  readonly name: string;
  readonly stack: PlatformStack;
  readonly json: string;
  readonly tf: Record<string, any>;
}

/**
 * Synthesizes every stack of one platform × environment in a fresh test app. The whole app is
 * synthesized, as `cdktf synth` does, so cross-stack references become remote-state lookups.
 */
export function synthPlatform(platform: PlatformConfig, envName: string): { plan: PlatformPlan; stacks: Record<string, SynthesizedStack> } {
  const app = Testing.app();
  const plan = planPlatform(platform, envName);
  const created = createPlatformStacks(app, plan);
  app.synth();
  const stacks: Record<string, SynthesizedStack> = {};
  for (const stack of created) {
    const json = readFileSync(join(app.outdir, 'stacks', stack.node.id, 'cdk.tf.json'), 'utf8');
    stacks[stack.layer] = { name: stack.node.id, stack, json, tf: JSON.parse(json) };
  }
  return { plan, stacks };
}

export const platformNamed = (name: string): PlatformConfig => {
  const p = PLATFORMS.find((x) => x.name === name);
  if (!p) throw new Error(`no platform ${name}`);
  return p;
};

/** Every resource of a type in a synthesized stack, as a list of bodies. */
export function resourcesOf(tf: Record<string, any>, type: string): Record<string, any>[] {
  return Object.values(tf.resource?.[type] ?? {});
}

/** Every kubernetes_manifest body of a stack. */
export function manifestsOf(tf: Record<string, any>): Record<string, any>[] {
  return resourcesOf(tf, 'kubernetes_manifest').map((r) => r.manifest);
}

/** A deep copy of a platform to mutate in bad-input tests. */
export const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value));
