/**
 * Runs the cdktf CLI (`npx cdktf diff|deploy|destroy`) the way the README documents it, with the
 * toolchain's OpenTofu and the provider mirror. cdktf would run `tofu providers lock` against the
 * registry when a stack has no lock file; the mirror holds providers built from source, whose
 * checksums are not the registry's, so the lock step is always skipped (`--skip-provider-lock`).
 *
 * Output goes to a log file, never to the terminal: a plan of the local stack names no value, but
 * the CLI's output is kept out of sight anyway and only its tail is shown on failure.
 */
import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';
import { toolchainProcessEnv } from './toolchain-env';

/** The repository root: where cdktf.json is. */
export const PROJECT_ROOT = join(__dirname, '..', '..');

/** Options of one cdktf CLI run. */
export interface CdktfRunOptions {
  /** `--output`: where the stacks are synthesized. Local state goes to `<output>/../state/`. */
  readonly output: string;
  /** Extra environment: VAULT_TOKEN, TF_VAR_*, VSP_ONLY, ... */
  readonly env?: Readonly<Record<string, string>>;
  /** File the CLI's stdout and stderr are appended to. */
  readonly logFile: string;
  /** Runs the CLI through `npx` exactly as documented (default) or the installed binary directly. */
  readonly viaNpx?: boolean;
}

/** The outcome of a cdktf CLI run. */
export interface CdktfRunResult {
  readonly code: number | null;
  readonly ms: number;
  /** The full command line (no secrets: the token is in the environment only). */
  readonly command: string;
}

/** Thrown when the CLI exits non-zero. */
export class CdktfError extends Error {
  constructor(
    readonly command: string,
    readonly code: number | null,
    readonly logFile: string,
  ) {
    super(`\`${command}\` exited with ${code}; its output is in ${logFile}`);
    this.name = 'CdktfError';
  }
}

/** The environment the CLI runs with: toolchain (tofu, mirror), no checkpoint calls, no colour. */
export function cdktfEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  return { ...toolchainProcessEnv(), CHECKPOINT_DISABLE: '1', FORCE_COLOR: '0', CI: '1', TF_IN_AUTOMATION: '1', ...extra };
}

/**
 * `cdktf <args> --output <output> --skip-provider-lock` from the project root. Resolves with the
 * exit code (and throws a CdktfError when it is not 0).
 */
export function runCdktf(args: readonly string[], opts: CdktfRunOptions): Promise<CdktfRunResult> {
  const full = [...args, '--output', opts.output, '--skip-provider-lock'];
  const [bin, argv] = opts.viaNpx === false ? [join(PROJECT_ROOT, 'node_modules', '.bin', 'cdktf'), full] : ['npx', ['cdktf', ...full]];
  const command = `${opts.viaNpx === false ? 'cdktf' : 'npx cdktf'} ${full.join(' ')}`;
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const fd = openSync(opts.logFile, 'a');
    let child;
    try {
      child = spawn(bin, argv, { cwd: PROJECT_ROOT, env: cdktfEnv(opts.env), stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    child.on('error', reject);
    child.on('close', (code) => {
      const result = { code, ms: Date.now() - started, command };
      if (code === 0) resolvePromise(result);
      else reject(new CdktfError(command, code, opts.logFile));
    });
  });
}
