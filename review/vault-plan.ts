/**
 * Real plans of the stacks that can be planned on this machine. A `Planner` says which stacks it
 * plans and starts the target they are planned against: today one local OpenBao per local Vault
 * configuration stack (each platform enables its own `kubernetes` auth and `file` audit paths).
 * Adding a target (e.g. a local kube-apiserver for the local sync stacks) is one more Planner.
 *
 * The base side is applied first, so the head is planned from the base's state, as a pull
 * request's plan would be. Plan files and state live in a temporary folder that is removed
 * afterwards: a review keeps only the summary, never the plan.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localStackEnv, startOpenBao } from '../scripts/lib/openbao';
import { tofu, TofuError, tofuInit } from '../scripts/lib/tofu';
import { changesFromPlan, type ResourceChange } from './changes';
import { layerOf } from './concepts';
import type { StackJson, SynthesizedSide } from './synthesize';

/** What one stack is planned against, with the variables tofu needs to reach it. */
export interface PlanTarget {
  /** Extra tofu environment: addresses, tokens, TF_VAR_*. */
  readonly env: Readonly<Record<string, string>>;
  /** Milliseconds spent starting it (0 when shared and already running). */
  readonly startMs: number;
  /** Stops it, or releases it when shared. */
  release(): Promise<void>;
}

/** A kind of stack this machine can plan for real, and how to start what it is planned against. */
export interface Planner {
  /** `OpenBao`, `kube-apiserver`: said in the report. */
  readonly target: string;
  /** True for the stacks this planner plans. */
  plans(stack: StackJson, name: string): boolean;
  /**
   * Adjusts a stack folder before tofu runs in it (both sides), e.g. a provider version this machine
   * has in place of one it cannot build; returns what it changed, for the report.
   */
  prepare?(dir: string): string | undefined;
  /** Addresses the base must have before the rest of it is applied (e.g. namespaces). */
  applyFirst?(stack: StackJson): string[];
  /** Starts (or shares) the target for one stack. */
  start(name: string): Promise<PlanTarget>;
  /** Stops whatever the planner still runs, at the end of a review. */
  close?(): Promise<void>;
}

const hasLocalBackend = (stack: StackJson) => stack.terraform?.backend !== undefined && 'local' in stack.terraform.backend;

/** The Vault configuration layer on a local backend, planned against a fresh local OpenBao. */
export const openBaoPlanner: Planner = {
  target: 'OpenBao',
  plans: (stack, name) => layerOf(name) === 'vault-config' && hasLocalBackend(stack),
  async start() {
    const t0 = Date.now();
    const server = await startOpenBao();
    try {
      const env = await localStackEnv(server);
      return { env, startMs: Date.now() - t0, release: () => server.stop() };
    } catch (err) {
      await server.stop();
      throw err;
    }
  },
};

/** A stack the review can plan here (kept for callers that ask about one stack). */
export function isPlannableHere(stack: StackJson, name: string, planners: readonly Planner[] = [openBaoPlanner]): boolean {
  return planners.some((p) => p.plans(stack, name));
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
  /** What it was planned against. */
  readonly target: string;
  /** Milliseconds spent inside tofu (init, apply of the base, plan, show). */
  readonly tofuMs: number;
  /** Milliseconds to start the target (OpenBao: start, initialise, unseal; a local control plane). */
  readonly openBaoMs: number;
  /** What the planner changed in the stack folders before planning (said in the report). */
  readonly adjusted?: string;
}

export interface VaultPlanOptions {
  /** Work folder for state and plan files. */
  readonly workDir: string;
  /** Keep `plan.json` of each stack in `<workDir>/plans/<stack>.json` (tests look for values in it). */
  readonly keepPlanJson?: boolean;
}

/** Plans one stack with `planner`: base applied (if the base has it), head planned from that state. */
export async function planStack(name: string, base: SynthesizedSide | undefined, head: SynthesizedSide, planner: Planner, opts: VaultPlanOptions): Promise<VaultPlanResult> {
  const target = await planner.start(name);
  let tofuMs = 0;
  const timed = async <T extends { ms: number }>(p: Promise<T>): Promise<T> => {
    const r = await p;
    tofuMs += r.ms;
    return r;
  };
  try {
    const env = { ...target.env };
    const stateDir = join(opts.workDir, 'state');
    mkdirSync(stateDir, { recursive: true });
    const state = join(stateDir, `${name}.tfstate`);
    let adjusted: string | undefined;
    if (base?.stacks.has(name)) {
      const dir = join(base.outdir, 'stacks', name);
      adjusted = planner.prepare?.(dir);
      try {
        await timed(tofuInit(dir, state, env));
        const first = planner.applyFirst?.(base.stacks.get(name)!) ?? [];
        if (first.length) await timed(tofu(['apply', '-auto-approve', '-no-color', '-input=false', ...first.map((a) => `-target=${a}`)], { dir, env }));
        await timed(tofu(['apply', '-auto-approve', '-no-color', '-input=false'], { dir, env }));
      } catch (err) {
        // e.g. a base that pins a provider version this machine cannot build
        if (err instanceof TofuError) throw new BaseNotAppliedError(name, err);
        throw err;
      }
    }
    const dir = join(head.outdir, 'stacks', name);
    adjusted = planner.prepare?.(dir) ?? adjusted;
    const planFile = join(stateDir, `${name}.tfplan`);
    await timed(tofuInit(dir, state, env));
    await timed(tofu(['plan', '-no-color', '-input=false', '-out', planFile], { dir, env }));
    const shown = await timed(tofu(['show', '-json', planFile], { dir, env }));
    if (opts.keepPlanJson) {
      mkdirSync(join(opts.workDir, 'plans'), { recursive: true });
      writeFileSync(join(opts.workDir, 'plans', `${name}.json`), shown.stdout);
    }
    const changes = changesFromPlan(name, JSON.parse(shown.stdout));
    return { stack: name, changes, target: planner.target, tofuMs, openBaoMs: target.startMs, ...(adjusted ? { adjusted } : {}) };
  } finally {
    await target.release();
  }
}

/** Plans one local Vault configuration stack against a fresh OpenBao. */
export function planVaultStack(name: string, base: SynthesizedSide | undefined, head: SynthesizedSide, opts: VaultPlanOptions): Promise<VaultPlanResult> {
  return planStack(name, base, head, openBaoPlanner, opts);
}
