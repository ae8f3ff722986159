/**
 * Real plans of the local Vault configuration stacks, against a local OpenBao (one server per stack,
 * since each platform enables its own `kubernetes` auth and `file` audit paths). The base side is
 * applied first, so the head is planned from the base's state, as a pull request's plan would be.
 * Plan files and state live in a temporary folder that is removed afterwards: a review keeps only
 * the summary, never the plan.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localStackEnv, startOpenBao } from '../scripts/lib/openbao';
import { tofu, TofuError, tofuInit } from '../scripts/lib/tofu';
import { changesFromPlan, type ResourceChange } from './changes';
import { layerOf } from './concepts';
import type { StackJson, SynthesizedSide } from './synthesize';

/** A stack the review can plan here: the Vault configuration layer on a local backend. */
export function isPlannableHere(stack: StackJson, name: string): boolean {
  return layerOf(name) === 'vault-config' && stack.terraform?.backend !== undefined && 'local' in stack.terraform.backend;
}

/** The base side of a stack could not be applied here, so its head cannot be planned from it. */
export class BaseNotAppliedError extends Error {
  constructor(
    readonly stack: string,
    readonly cause: TofuError,
  ) {
    super(`${stack}: the base could not be applied here (tofu ${cause.args[0]} failed: ${firstError(cause.stderr)})`);
    this.name = 'BaseNotAppliedError';
  }
}

const firstError = (stderr: string) =>
  stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('Error:'))
    ?.slice(0, 200) ?? 'see tofu output';

export interface VaultPlanResult {
  readonly stack: string;
  readonly changes: readonly ResourceChange[];
  /** Milliseconds spent inside tofu (init, apply of the base, plan, show). */
  readonly tofuMs: number;
  /** Milliseconds to start, initialise and unseal the OpenBao server. */
  readonly openBaoMs: number;
}

export interface VaultPlanOptions {
  /** Work folder for state and plan files. */
  readonly workDir: string;
  /** Keep `plan.json` of each stack in `<workDir>/plans/<stack>.json` (tests look for values in it). */
  readonly keepPlanJson?: boolean;
}

/** Plans one stack: base applied (if the base has it), head planned from that state. */
export async function planVaultStack(name: string, base: SynthesizedSide | undefined, head: SynthesizedSide, opts: VaultPlanOptions): Promise<VaultPlanResult> {
  const t0 = Date.now();
  const server = await startOpenBao();
  const openBaoMs = Date.now() - t0;
  let tofuMs = 0;
  const timed = async <T extends { ms: number }>(p: Promise<T>): Promise<T> => {
    const r = await p;
    tofuMs += r.ms;
    return r;
  };
  try {
    const env = await localStackEnv(server);
    const stateDir = join(opts.workDir, 'state');
    mkdirSync(stateDir, { recursive: true });
    const state = join(stateDir, `${name}.tfstate`);
    if (base?.stacks.has(name)) {
      const dir = join(base.outdir, 'stacks', name);
      try {
        await timed(tofuInit(dir, state, env));
        await timed(tofu(['apply', '-auto-approve', '-no-color', '-input=false'], { dir, env }));
      } catch (err) {
        // e.g. a base that pins a provider version this machine cannot build
        if (err instanceof TofuError) throw new BaseNotAppliedError(name, err);
        throw err;
      }
    }
    const dir = join(head.outdir, 'stacks', name);
    const planFile = join(stateDir, `${name}.tfplan`);
    await timed(tofuInit(dir, state, env));
    await timed(tofu(['plan', '-no-color', '-input=false', '-out', planFile], { dir, env }));
    const shown = await timed(tofu(['show', '-json', planFile], { dir, env }));
    if (opts.keepPlanJson) {
      mkdirSync(join(opts.workDir, 'plans'), { recursive: true });
      writeFileSync(join(opts.workDir, 'plans', `${name}.json`), shown.stdout);
    }
    return { stack: name, changes: changesFromPlan(name, JSON.parse(shown.stdout)), tofuMs, openBaoMs };
  } finally {
    await server.stop();
  }
}
