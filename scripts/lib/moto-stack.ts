/**
 * Applying a synthesized aws stack to moto: the harness's override.tf.json (scripts/lib/moto.ts)
 * beside the shipped cdk.tf.json, `tofu init` from the mirror, then apply and plan. Used by the
 * integration tests and the bench; the shipped stacks are never changed.
 */
import { join } from 'node:path';
import type { MotoServer } from './moto';
import { writeMotoOverride } from './moto';
import { tofu, TofuError, type TofuResult } from './tofu';

/** Environment of every tofu run against moto: no instance metadata, no credentials from the caller. */
export const MOTO_TOFU_ENV: Readonly<Record<string, string>> = {
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_PROFILE: '',
  AWS_ACCESS_KEY_ID: '',
  AWS_SECRET_ACCESS_KEY: '',
  AWS_SESSION_TOKEN: '',
};

/**
 * Writes the moto override and runs `tofu init`. With `stateDir`, the state goes to
 * `stateDir/<stack>.tfstate` (a local backend in place of S3); without, the stack keeps its own
 * (local) backend, so other stacks' remote-state lookups find it.
 */
export async function initForMoto(stackDir: string, moto: MotoServer, stateDir?: string, env: Record<string, string> = {}): Promise<TofuResult> {
  const name = stackDir.split('/').filter(Boolean).pop()!;
  writeMotoOverride(stackDir, moto, stateDir ? join(stateDir, `${name}.tfstate`) : undefined);
  return tofu(['init', '-no-color', '-input=false', '-reconfigure'], { dir: stackDir, env: { ...MOTO_TOFU_ENV, ...env } });
}

/** `tofu apply -auto-approve`. */
export function applyToMoto(stackDir: string, env: Record<string, string> = {}): Promise<TofuResult> {
  return tofu(['apply', '-auto-approve', '-no-color', '-input=false'], { dir: stackDir, env: { ...MOTO_TOFU_ENV, ...env } });
}

/** `tofu destroy -auto-approve`. */
export function destroyOnMoto(stackDir: string, env: Record<string, string> = {}): Promise<TofuResult> {
  return tofu(['destroy', '-auto-approve', '-no-color', '-input=false'], { dir: stackDir, env: { ...MOTO_TOFU_ENV, ...env } });
}

/** A plan with `-detailed-exitcode`: 0 = no changes, 2 = changes. Also returns the changes that are not no-ops. */
export async function planOnMoto(stackDir: string, planFile: string, env: Record<string, string> = {}): Promise<{ exitCode: number; ms: number; changes: string[] }> {
  const fullEnv = { ...MOTO_TOFU_ENV, ...env };
  let exitCode = 0;
  const started = Date.now();
  try {
    await tofu(['plan', '-detailed-exitcode', '-no-color', '-input=false', '-out', planFile], { dir: stackDir, env: fullEnv });
  } catch (err) {
    if (!(err instanceof TofuError) || err.status !== 2) throw err;
    exitCode = 2;
  }
  const ms = Date.now() - started;
  const plan = JSON.parse((await tofu(['show', '-json', planFile], { dir: stackDir, env: fullEnv })).stdout);
  const changes = (plan.resource_changes ?? [])
    .filter((c: { change: { actions: string[] } }) => c.change.actions.join() !== 'no-op')
    .map((c: { address: string; change: { actions: string[] } }) => `${c.address}: ${c.change.actions.join('+')}`);
  return { exitCode, ms, changes };
}
