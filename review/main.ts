/**
 * `npm run review [-- --base <ref>] [--fail-on widening,destroy]`: the security meaning of the
 * working tree's change against a base ref, as review.md (fits a PR comment) and review.json.
 * Exit codes are in USAGE (review/options.ts) and the README.
 *
 * Every run first removes the previous review.md and review.json, and a run that cannot review
 * (exit 2 or 3) writes a short report saying why: a CI step that posts review.md with
 * `if: always()` never posts an older run's result.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { findSecretLikeValues } from '../config/secret-patterns';
import { TofuError } from '../scripts/lib/tofu';
import { renderMarkdown } from './markdown';
import { gatedLevels, parseReviewArgs, UsageError, USAGE, type ReviewCliOptions } from './options';
import { reviewSides } from './review';
import { commitOf, REPO_ROOT, SynthesisError, synthesizeRef, synthesizeWorkingTree } from './synthesize';
import { toolchainReadyForPlans } from './toolchain-ready';

/** The default base: origin/main, else main. */
function defaultBase(): string {
  const ref = ['origin/main', 'main'].find((r) => commitOf(r));
  if (ref) return ref;
  throw new UsageError('no --base given and neither origin/main nor main exists; pass --base <ref>');
}

/** `--out` as given, even when the rest of the command line does not parse (so stale reports still go). */
function outDirOf(argv: readonly string[]): string {
  const i = argv.findIndex((a) => a === '--out' || a.startsWith('--out='));
  if (i < 0) return 'review.out';
  return argv[i].startsWith('--out=') ? argv[i].slice(6) : (argv[i + 1] ?? 'review.out');
}

/** Removes the previous run's reports, so nothing stale can be posted. */
function clearReports(out: string): void {
  for (const f of ['review.md', 'review.json']) rmSync(join(out, f), { force: true });
}

/** First lines of an error, with any line that looks like a value withheld. */
function reasonOf(message: string): string {
  const lines = message.split('\n').map((l) => l.trimEnd()).filter(Boolean).slice(0, 40);
  return lines.map((l) => (findSecretLikeValues(l).length ? '[line withheld: it looks like a value]' : l)).join('\n');
}

/** The short report of a run that could not review: what happened, and why. */
function writeFailureReport(out: string, exitCode: 2 | 3, title: string, reason: string, opts?: ReviewCliOptions): void {
  const what = exitCode === 2 ? 'bad usage, an unknown base ref, or a side that does not synthesize (invalid configuration)' : 'a tool failed (toolchain, tofu, OpenBao)';
  const markdown = [
    '## Secrets platform review',
    '',
    `**Not reviewed** (exit ${exitCode}: ${what}). ${title}`,
    '',
    'No risk flags or access changes are shown because nothing was compared; fix the problem below and run the review again.',
    '',
    '```',
    reason.replace(/```/g, "'''"),
    '```',
    '',
  ].join('\n');
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, 'review.md'), markdown);
  writeFileSync(join(out, 'review.json'), `${JSON.stringify({ reviewed: false, exitCode, error: { title, reason }, failOn: opts?.failOn ?? [] }, null, 2)}\n`);
}

async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  const out = resolve(outDirOf(argv));
  clearReports(out);
  // If the event loop ever empties before the review ends (a child process whose promise never
  // settles), Node would exit 0 with no report: say so and exit 3 instead.
  process.once('beforeExit', () => {
    if (finished) return;
    process.stderr.write('review: stopped before finishing (a tool never answered)\n');
    writeFailureReport(out, 3, 'The review stopped before finishing.', 'A tool (OpenBao, tofu or the local API server) never answered, so nothing was compared.');
    process.exit(3);
  });
  let opts: ReviewCliOptions;
  try {
    opts = parseReviewArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    writeFailureReport(out, 2, 'The command line is not valid.', reasonOf((err as Error).message));
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (opts.plan && !toolchainReadyForPlans()) {
    // Plans need tofu, the providers and OpenBao; the script builds what is missing.
    const built = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'toolchain.sh')], { stdio: ['ignore', 2, 2] });
    if (built.status !== 0) {
      process.stderr.write('review: the toolchain did not build (see above); `--no-plan` reviews without it\n');
      writeFailureReport(out, 3, 'The toolchain did not build.', '`bash scripts/toolchain.sh` failed; `--no-plan` reviews without it.', opts);
      return 3;
    }
  }
  const workDir = mkdtempSync(join(tmpdir(), 'vsp-review-'));
  try {
    const env: Record<string, string> = opts.only ? { VSP_ONLY: opts.only } : {};
    const baseRef = opts.base ?? defaultBase();
    const base = synthesizeRef(baseRef, workDir, env);
    const head = synthesizeWorkingTree(workDir, env);
    const started = Date.now();
    const review = await reviewSides(base, head, { workDir, plan: opts.plan });
    const markdown = renderMarkdown(review);
    const gated = gatedLevels(opts.failOn, review.risks.flatMap((r) => r.levels));
    mkdirSync(out, { recursive: true });
    const totalMs = Date.now() - started + review.timings.synthBaseMs + review.timings.synthHeadMs;
    const json = { reviewed: true, ...review, failOn: opts.failOn, gated, exitCode: gated.length ? 1 : 0, markdownChars: markdown.length, totalMs };
    writeFileSync(join(out, 'review.md'), markdown);
    writeFileSync(join(out, 'review.json'), `${JSON.stringify(json, null, 2)}\n`);
    process.stdout.write(`${markdown}\n`);
    process.stderr.write(`review: wrote ${join(out, 'review.md')} (${markdown.length} chars) and review.json\n`);
    if (gated.length) {
      process.stderr.write(`review: failing on ${gated.join(', ')} (--fail-on ${opts.failOn.join(',')})\n`);
      return 1;
    }
    return 0;
  } catch (err) {
    if (err instanceof UsageError || err instanceof SynthesisError) {
      process.stderr.write(`review: ${err.message}\n`);
      const title = err instanceof SynthesisError ? `The ${err.side.split(' ')[0]} side does not synthesize.` : 'The command line is not valid.';
      writeFailureReport(out, 2, title, reasonOf(err.message), opts);
      return 2;
    }
    const message = err instanceof TofuError ? err.message : ((err as Error).stack ?? String(err));
    process.stderr.write(`review: ${message}\n`);
    writeFailureReport(out, 3, 'A tool failed while planning.', reasonOf(err instanceof Error ? err.message : String(err)), opts);
    return 3;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

let finished = false;
// The OpenBao and cluster harnesses wait with unref'd timers; this keeps the process alive while a
// child process is still starting, so a failed start ends in an error (exit 3), never a silent exit.
const keepAlive = setInterval(() => undefined, 60_000);
main().then((code) => {
  finished = true;
  clearInterval(keepAlive);
  process.exit(code);
});
