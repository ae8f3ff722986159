/**
 * A review of head against base: real plans where they can run here (the local Vault configuration
 * stacks), a diff of the synthesized JSON for every other stack, the access diff and the risk flags.
 * The result holds names, paths, capabilities, counts and attribute names only.
 */
import { diffAccess, splitStackName, type AccessChange, type AccessMove, type AccessRegrant } from './access-diff';
import { countChanges, diffSynthesized, type ChangeSource, type Counts, type ResourceChange } from './changes';
import { accessFindings, changeFindings, mergeFindings, type Finding, type RiskFlag } from './risks';
import { serverFindings } from './server-risks';
import type { SynthesizedSide } from './synthesize';
import { kubePlansAvailable, localClusterPlanner } from './kube-plan';
import { BaseNotAppliedError, openBaoPlanner, planStack, type Planner, type VaultPlanResult } from './vault-plan';

export interface StackReview {
  readonly stack: string;
  readonly platform: string;
  readonly env: string;
  readonly layer: string;
  readonly source: ChangeSource;
  /** What a planned stack was planned against (`OpenBao`, `kube-apiserver`). */
  readonly plannedAgainst?: string;
  /** `new` or `removed` when the stack exists on one side only. */
  readonly presence: 'both' | 'new' | 'removed';
  readonly counts: Counts;
  readonly changes: readonly ResourceChange[];
  /** Why a stack that is normally planned was compared as synthesized instead. */
  readonly note?: string;
}

export interface Review {
  readonly base: string;
  readonly head: string;
  /** True when no stack changes and no access changes. */
  readonly noChanges: boolean;
  readonly risks: readonly RiskFlag[];
  readonly access: readonly AccessChange[];
  /** Capabilities on a path that change holders (part of `access`, paired). */
  readonly accessMoves: readonly AccessMove[];
  /** Service accounts that keep their access through a renamed role or policy: no net change. */
  readonly regranted: readonly AccessRegrant[];
  readonly stacks: readonly StackReview[];
  readonly timings: ReviewTimings;
}

export interface ReviewTimings {
  synthBaseMs: number;
  synthHeadMs: number;
  /** Inside tofu: init, the base's apply, plan, show. */
  tofuMs: number;
  openBaoMs: number;
  /** Everything else: access model, diffs, flags. */
  analysisMs: number;
}

export interface ReviewOptions {
  /** Work folder for plan state (removed by the caller). */
  readonly workDir: string;
  /** False: no tofu plans, every stack is diffed (`--no-plan`). */
  readonly plan?: boolean;
  readonly keepPlanJson?: boolean;
  /**
   * What can be planned here, first match wins. @default - the local Vault configuration stacks on
   * OpenBao, and the local cluster and sync stacks on a local kube-apiserver when it is built
   */
  readonly planners?: readonly Planner[];
}

export async function reviewSides(base: SynthesizedSide | undefined, head: SynthesizedSide, opts: ReviewOptions): Promise<Review> {
  const timings: ReviewTimings = { synthBaseMs: base?.ms ?? 0, synthHeadMs: head.ms, tofuMs: 0, openBaoMs: 0, analysisMs: 0 };
  const names = [...new Set([...(base?.stacks.keys() ?? []), ...head.stacks.keys()])].sort();
  const planners = opts.plan === false ? [] : (opts.planners ?? defaultPlanners());
  const kubePlanned = planners.some((p) => p.target === 'kube-apiserver');
  try {
    return await review(base, head, opts, planners, kubePlanned, timings, names);
  } finally {
    for (const p of planners) await p.close?.();
  }
}

/** The local Vault configuration stacks on OpenBao; the local Kubernetes layers too once their tools are built. */
export function defaultPlanners(): Planner[] {
  return [openBaoPlanner, ...(kubePlansAvailable() ? [localClusterPlanner()] : [])];
}

async function review(
  base: SynthesizedSide | undefined,
  head: SynthesizedSide,
  opts: ReviewOptions,
  planners: readonly Planner[],
  kubePlanned: boolean,
  timings: ReviewTimings,
  names: readonly string[],
): Promise<Review> {
  const stacks: StackReview[] = [];
  const findings: Finding[] = [];
  let analysis = 0;
  for (const name of names) {
    const b = base?.stacks.get(name);
    const h = head.stacks.get(name);
    let changes: readonly ResourceChange[];
    let source: ChangeSource = 'config-diff';
    let note: string | undefined;
    let planned: VaultPlanResult | undefined;
    const planner = h ? planners.find((p) => p.plans(h, name)) : undefined;
    const { platform, env, layer } = splitStackName(name);
    if (!planner && opts.plan !== false && !kubePlanned && env === 'local' && (layer === 'sync' || layer === 'cluster')) {
      note = `${name}: compared as synthesized, not planned: the local kube-apiserver or the kubernetes provider is not built in the toolchain cache yet`;
    }
    if (planner) {
      try {
        planned = await planStack(name, base, head, planner, { workDir: opts.workDir, keepPlanJson: opts.keepPlanJson });
      } catch (err) {
        if (!(err instanceof BaseNotAppliedError)) throw err;
        note = `${err.message}; compared as synthesized instead`;
      }
    }
    if (planned) {
      changes = planned.changes;
      if (planned.adjusted) note = `${name}: planned with the ${planned.adjusted}`;
      source = 'plan';
      timings.tofuMs += planned.tofuMs;
      timings.openBaoMs += planned.openBaoMs;
    } else {
      const t = Date.now();
      changes = diffSynthesized(name, b, h);
      analysis += Date.now() - t;
    }
    stacks.push({
      stack: name,
      platform,
      env,
      layer,
      source,
      ...(planned ? { plannedAgainst: planned.target } : {}),
      presence: b && h ? 'both' : h ? 'new' : 'removed',
      counts: countChanges(changes),
      changes,
      ...(note ? { note } : {}),
    });
    findings.push(...changeFindings(name, changes, { base: b, head: h }));
  }
  const t = Date.now();
  const access = await diffAccess(base, head);
  findings.push(...accessFindings(access), ...(await serverFindings(base, head)));
  timings.analysisMs = analysis + (Date.now() - t);
  const noChanges = access.changes.length === 0 && stacks.every((s) => s.changes.length === 0);
  return {
    base: base?.label ?? 'base (none: everything is new)',
    head: head.label,
    noChanges,
    risks: mergeFindings(findings),
    access: access.changes,
    accessMoves: access.moves,
    regranted: access.regranted,
    stacks,
    timings,
  };
}
