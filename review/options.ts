/** Command-line options of `npm run review`, parsed with node's parseArgs (scripts/lib/cli.ts). */
import { parseFlags, UsageError } from '../scripts/lib/cli';
import { RISK_LEVELS, type RiskLevel } from './risks';

export const FAIL_ON_LEVELS = [...RISK_LEVELS, 'any'] as const;
export type FailOn = (typeof FAIL_ON_LEVELS)[number];

export interface ReviewCliOptions {
  /** Git ref of the base; undefined = the first of origin/main, main that exists. */
  readonly base?: string;
  readonly failOn: readonly FailOn[];
  readonly out: string;
  readonly plan: boolean;
  /** `platform-env` pairs, passed to both sides as VSP_ONLY. */
  readonly only?: string;
  readonly help: boolean;
}

export const USAGE = `Usage: npm run review -- [--base <git ref>] [--fail-on <levels>] [--out <dir>] [--only <platform-env,...>] [--no-plan]

  --base <ref>       what the working tree is compared with (default: origin/main, else main)
  --fail-on <levels> comma list of ${FAIL_ON_LEVELS.join(', ')}: exit 1 if a flag of that level is raised
  --out <dir>        where review.md and review.json are written (default: review.out)
  --only <pairs>     limit to some platform-environment pairs, e.g. waqiti-local,waqiti-prod
  --no-plan          compare synthesized config only; run no tofu plan

Exit codes: 0 reviewed, no gated flag; 1 reviewed, a --fail-on level was flagged;
            2 bad usage or a side does not synthesize (e.g. invalid configuration); 3 a tool failed (tofu, OpenBao, git).`;

export { UsageError };

export function parseReviewArgs(argv: readonly string[]): ReviewCliOptions {
  const parsed = parseFlags(argv, {
    base: { type: 'string' },
    'fail-on': { type: 'string', multiple: true },
    out: { type: 'string', default: 'review.out' },
    'no-plan': { type: 'boolean', default: false },
    only: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  const v = parsed.values;
  const failOn = (v['fail-on'] ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
  const unknown = failOn.filter((l) => !(FAIL_ON_LEVELS as readonly string[]).includes(l));
  if (unknown.length) throw new UsageError(`--fail-on: unknown level(s) ${unknown.join(', ')}; use ${FAIL_ON_LEVELS.join(', ')}`);
  return { base: v.base, failOn: failOn as FailOn[], out: v.out!, plan: !v['no-plan'], only: v.only, help: v.help! };
}

/** The flag levels that make the review exit 1. */
export function gatedLevels(failOn: readonly FailOn[], raised: readonly RiskLevel[]): RiskLevel[] {
  const set = new Set(raised);
  return [...set].filter((l) => failOn.includes('any') || failOn.includes(l));
}
