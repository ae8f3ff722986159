/**
 * A review of head against base: real plans where they can run here (the local Vault configuration
 * stacks), a diff of the synthesized JSON for every other stack, the access diff and the risk flags.
 * The result holds names, paths, capabilities, counts and attribute names only.
 */
import { diffAccess, splitStackName, type AccessChange } from './access-diff';
import { countChanges, diffSynthesized, type ChangeSource, type Counts, type ResourceChange } from './changes';
import { accessRisks, changeRisks, serverRisks, type RiskFlag } from './risks';
import type { SynthesizedSide } from './synthesize';
import { BaseNotAppliedError, isPlannableHere, planVaultStack, type VaultPlanResult } from './vault-plan';

export interface StackReview {
  readonly stack: string;
  readonly platform: string;
  readonly env: string;
  readonly layer: string;
  readonly source: ChangeSource;
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
}

export async function reviewSides(base: SynthesizedSide | undefined, head: SynthesizedSide, opts: ReviewOptions): Promise<Review> {
  const timings: ReviewTimings = { synthBaseMs: base?.ms ?? 0, synthHeadMs: head.ms, tofuMs: 0, openBaoMs: 0, analysisMs: 0 };
  const names = [...new Set([...(base?.stacks.keys() ?? []), ...head.stacks.keys()])].sort();
  const stacks: StackReview[] = [];
  const risks: RiskFlag[] = [];
  let analysis = 0;
  for (const name of names) {
    const b = base?.stacks.get(name);
    const h = head.stacks.get(name);
    let changes: readonly ResourceChange[];
    let source: ChangeSource = 'config-diff';
    let note: string | undefined;
    let planned: VaultPlanResult | undefined;
    if (h && opts.plan !== false && isPlannableHere(h, name)) {
      try {
        planned = await planVaultStack(name, base, head, { workDir: opts.workDir, keepPlanJson: opts.keepPlanJson });
      } catch (err) {
        if (!(err instanceof BaseNotAppliedError)) throw err;
        note = `${err.message}; compared as synthesized instead`;
      }
    }
    if (planned) {
      changes = planned.changes;
      source = 'plan';
      timings.tofuMs += planned.tofuMs;
      timings.openBaoMs += planned.openBaoMs;
    } else {
      const t = Date.now();
      changes = diffSynthesized(name, b, h);
      analysis += Date.now() - t;
    }
    const { platform, env, layer } = splitStackName(name);
    stacks.push({ stack: name, platform, env, layer, source, presence: b && h ? 'both' : h ? 'new' : 'removed', counts: countChanges(changes), changes, ...(note ? { note } : {}) });
    risks.push(...changeRisks(name, changes));
  }
  const t = Date.now();
  const access = await diffAccess(base, head);
  risks.unshift(...accessRisks(access));
  risks.push(...(await serverRisks(base, head)));
  timings.analysisMs = analysis + (Date.now() - t);
  const noChanges = access.changes.length === 0 && stacks.every((s) => s.changes.length === 0);
  return { base: base?.label ?? 'base (none: everything is new)', head: head.label, noChanges, risks: sortRisks(risks), access: access.changes, stacks, timings };
}

const ORDER = ['widening', 'wildcard', 'destroy', 'server', 'replace'];
const sortRisks = (flags: RiskFlag[]) => flags.map((f, i) => ({ f, i })).sort((a, b) => ORDER.indexOf(a.f.level) - ORDER.indexOf(b.f.level) || a.i - b.i).map(({ f }) => f);
