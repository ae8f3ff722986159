/**
 * Bad-input tests through the real entry point: a platforms module written per case (the shipped
 * platforms with a mutation, or any module text), the app run exactly as cdktf.json runs it, and
 * the reported problems parsed back from stderr.
 */
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { platformVariant } from './platform-variants';
import { runApp } from './run-app';

/** One reported problem, as printed. */
export interface PrintedIssue {
  readonly platform: string;
  readonly path: string;
  readonly message: string;
  readonly hint: string;
}

/** The problems printed by a rejected run. */
export function printedIssues(stderr: string): PrintedIssue[] {
  const lines = stderr.split('\n');
  const issues: PrintedIssue[] = [];
  lines.forEach((line, i) => {
    const m = /^ {2}- (\S+): (\S+): (.*)$/.exec(line);
    const hint = /^ {6}hint: (.*)$/.exec(lines[i + 1] ?? '');
    if (m && hint) issues.push({ platform: m[1], path: m[2] === '(root)' ? '' : m[2], message: m[3], hint: hint[1] });
  });
  return issues;
}

/** Runs the app on the shipped platforms after `mutate` (the body of `(platforms) => { ... }`, see platformVariant). */
export function runMutated(mutate: string) {
  return runApp({ VSP_PLATFORMS_MODULE: platformVariant('bad', mutate) });
}

/** Runs the app on a platforms module with exactly this text. */
export function runModuleText(text: string, ext = 'ts') {
  const file = join(mkdtempSync(join(tmpdir(), 'vsp-module-')), `platforms.${ext}`);
  writeFileSync(file, text);
  return runApp({ VSP_PLATFORMS_MODULE: file });
}

/** The common promise of every rejection: exit 1, no stack trace, nothing written. */
export function expectCleanRejection(run: ReturnType<typeof runApp>): void {
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('Nothing was synthesized.');
  expect(run.stderr).not.toMatch(/^\s+at .+[:(]\d+:\d+\)?$/m);
  expect(existsSync(run.outdir)).toBe(false);
}

/** Asserts a clean rejection that reports this problem (platform, exact path, message and hint). */
export function expectProblem(run: ReturnType<typeof runApp>, expected: { platform?: string; path: string; message: RegExp; hint: RegExp }): PrintedIssue {
  expectCleanRejection(run);
  const issues = printedIssues(run.stderr);
  const match = issues.find((i) => i.path === expected.path && (expected.platform === undefined || i.platform === expected.platform) && expected.message.test(i.message));
  if (!match) throw new Error(`no problem at ${expected.path} matching ${expected.message}; reported:\n${run.stderr}`);
  expect(match.hint).toMatch(expected.hint);
  return match;
}
