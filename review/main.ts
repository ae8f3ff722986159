/**
 * `npm run review [-- --base <ref>] [--fail-on widening,destroy]`: the security meaning of the
 * working tree's change against a base ref, as review.md (fits a PR comment) and review.json.
 * Exit codes are in USAGE (review/options.ts) and the README.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { TofuError } from '../scripts/lib/tofu';
import { renderMarkdown } from './markdown';
import { gatedLevels, parseReviewArgs, UsageError, USAGE } from './options';
import { reviewSides } from './review';
import { commitOf, REPO_ROOT, SynthesisError, synthesizeRef, synthesizeWorkingTree } from './synthesize';

/** The default base: origin/main, else main. */
function defaultBase(): string {
  const ref = ['origin/main', 'main'].find((r) => commitOf(r));
  if (ref) return ref;
  throw new UsageError('no --base given and neither origin/main nor main exists; pass --base <ref>');
}

async function main(): Promise<number> {
  let opts;
  try {
    opts = parseReviewArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (opts.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (opts.plan) {
    // Plans need tofu, the providers and OpenBao; the script is a no-op (< 1 s) once they are built.
    const built = spawnSync('bash', [join(REPO_ROOT, 'scripts', 'toolchain.sh')], { stdio: ['ignore', 2, 2] });
    if (built.status !== 0) {
      process.stderr.write('review: the toolchain did not build (see above); `--no-plan` reviews without it\n');
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
    const gated = gatedLevels(opts.failOn, review.risks.map((r) => r.level));
    const out = resolve(opts.out);
    mkdirSync(out, { recursive: true });
    const totalMs = Date.now() - started + review.timings.synthBaseMs + review.timings.synthHeadMs;
    const json = { ...review, failOn: opts.failOn, gated, exitCode: gated.length ? 1 : 0, markdownChars: markdown.length, totalMs };
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
      return 2;
    }
    process.stderr.write(`review: ${err instanceof TofuError ? err.message : ((err as Error).stack ?? String(err))}\n`);
    return 3;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code));
