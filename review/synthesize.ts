/**
 * The two sides of a review: the app synthesized at a git ref (the base) and in the working tree (the
 * head), each into its own folder, run exactly as cdktf.json runs it. A ref is exported with
 * `git archive` into a temporary folder that shares this checkout's node_modules, so nothing in the
 * repository changes.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..');

/** One synthesized side: every stack's JSON, by stack name. */
export interface SynthesizedSide {
  /** `base (origin/main @ 1a2b3c4)`, `head (working tree)`, ... */
  readonly label: string;
  /** The cdktf.out folder. */
  readonly outdir: string;
  /** Stack name → cdk.tf.json, parsed. */
  readonly stacks: ReadonlyMap<string, StackJson>;
  /** Wall time of the synthesis, in milliseconds. */
  readonly ms: number;
}

/** A synthesized stack's JSON (only the parts a review reads are typed). */
export interface StackJson {
  readonly terraform?: { backend?: Record<string, unknown> };
  readonly resource?: Record<string, Record<string, Record<string, unknown>>>;
  readonly variable?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

/** Thrown when a side does not synthesize (invalid configuration, unknown ref, ...). */
export class SynthesisError extends Error {
  constructor(
    readonly side: string,
    message: string,
  ) {
    super(`${side}: ${message}`);
    this.name = 'SynthesisError';
  }
}

/** Runs the app of `projectDir` into `outdir`; `env` adds VSP_ONLY, VSP_PLATFORMS_MODULE, ... */
export function synthesizeProject(label: string, projectDir: string, outdir: string, env: Readonly<Record<string, string>> = {}): SynthesizedSide {
  const cdktfJson = join(projectDir, 'cdktf.json');
  if (!existsSync(cdktfJson)) throw new SynthesisError(label, `${cdktfJson} does not exist; is this a vault-secrets-platform checkout?`);
  const { app } = JSON.parse(readFileSync(cdktfJson, 'utf8')) as { app: string };
  mkdirSync(dirname(outdir), { recursive: true });
  const started = Date.now();
  const result = spawnSync(app, {
    shell: true,
    cwd: projectDir,
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1', CDKTF_OUTDIR: outdir, ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  const ms = Date.now() - started;
  if (result.status !== 0) {
    throw new SynthesisError(label, `the app exited with ${result.status}:\n${(result.stderr || result.stdout || '').trim()}`);
  }
  return { label, outdir, stacks: readStacks(outdir), ms };
}

/** Every stack of a cdktf.out folder (from its manifest.json). */
export function readStacks(outdir: string): Map<string, StackJson> {
  const stacks = new Map<string, StackJson>();
  const dir = join(outdir, 'stacks');
  if (!existsSync(dir)) return stacks;
  for (const name of readdirSync(dir).sort()) {
    const file = join(dir, name, 'cdk.tf.json');
    if (existsSync(file)) stacks.set(name, JSON.parse(readFileSync(file, 'utf8')) as StackJson);
  }
  return stacks;
}

/** The full commit id a ref names, or undefined when git does not know it. */
export function commitOf(ref: string, repo = REPO_ROOT): string | undefined {
  try {
    return execFileSync('git', ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`], { cwd: repo, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** The full commit id a ref names, or a SynthesisError saying the ref is unknown. */
export function resolveRef(ref: string, repo = REPO_ROOT): string {
  const commit = commitOf(ref, repo);
  if (!commit) throw new SynthesisError(`base ${ref}`, `git does not know the ref "${ref}". Fetch it first (e.g. \`git fetch origin main\`) or pass another --base.`);
  return commit;
}

/**
 * Synthesizes the project as it is at `ref`: `git archive` into a temporary folder, node_modules
 * linked from this checkout. The folder is removed afterwards; the returned outdir lives in `workDir`.
 */
export function synthesizeRef(ref: string, workDir: string, env: Readonly<Record<string, string>> = {}, repo = REPO_ROOT): SynthesizedSide {
  const commit = resolveRef(ref, repo);
  const label = `base (${ref} @ ${commit.slice(0, 7)})`;
  const tree = mkdtempSync(join(tmpdir(), 'vsp-review-base-'));
  try {
    const archive = spawnSync('git', ['archive', '--format=tar', commit], { cwd: repo, maxBuffer: 512 * 1024 * 1024 });
    if (archive.status !== 0) throw new SynthesisError(label, `git archive failed: ${archive.stderr.toString()}`);
    const untar = spawnSync('tar', ['-x', '-C', tree], { input: archive.stdout });
    if (untar.status !== 0) throw new SynthesisError(label, `tar failed: ${untar.stderr.toString()}`);
    symlinkSync(join(repo, 'node_modules'), join(tree, 'node_modules'), 'dir');
    const outdir = join(workDir, 'base', 'cdktf.out');
    return synthesizeProject(label, tree, outdir, env);
  } finally {
    rmSync(tree, { recursive: true, force: true });
  }
}

/** Synthesizes the working tree (the head of a review). */
export function synthesizeWorkingTree(workDir: string, env: Readonly<Record<string, string>> = {}, label = 'head (working tree)'): SynthesizedSide {
  const outdir = join(workDir, 'head', 'cdktf.out');
  return synthesizeProject(label, REPO_ROOT, outdir, env);
}

/** A side synthesized from another `PLATFORMS` module (tests: base and head without git). */
export function synthesizePlatformsModule(label: string, modulePath: string, outdir: string, env: Readonly<Record<string, string>> = {}): SynthesizedSide {
  return synthesizeProject(label, REPO_ROOT, outdir, { ...env, VSP_PLATFORMS_MODULE: resolve(modulePath) });
}
