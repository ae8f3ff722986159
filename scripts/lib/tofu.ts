/**
 * Runs the toolchain's OpenTofu (`bash scripts/toolchain.sh`) in a stack folder, with the CLI config
 * that installs providers only from the local mirror. Output is captured, never echoed: a failure
 * throws with the command, the exit status and the tail of stderr.
 */
import { spawn } from 'node:child_process';
import { toolchainProcessEnv } from './toolchain-env';

export interface TofuResult {
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time of the tofu process, in milliseconds. */
  readonly ms: number;
}

/** Thrown when tofu exits non-zero. */
export class TofuError extends Error {
  constructor(
    readonly args: readonly string[],
    readonly status: number | null,
    readonly stderr: string,
  ) {
    super(`tofu ${args.join(' ')} exited with ${status}:\n${stderr.split('\n').slice(-30).join('\n')}`);
    this.name = 'TofuError';
  }
}

export interface TofuOptions {
  /** The stack folder (`-chdir`). */
  readonly dir: string;
  /** Extra environment: VAULT_TOKEN, TF_VAR_*, ... */
  readonly env?: Readonly<Record<string, string>>;
  /** Called with the pid once started (fault tests kill it). */
  readonly onSpawn?: (pid: number) => void;
}

/** `tofu -chdir=<dir> <args>`, non-interactive, without colour. */
export function tofu(args: readonly string[], opts: TofuOptions): Promise<TofuResult> {
  const env: NodeJS.ProcessEnv = { ...toolchainProcessEnv(), TF_IN_AUTOMATION: '1', TF_INPUT: '0', ...opts.env };
  const bin = env.VSP_TOFU_BIN ?? 'tofu';
  const full = [`-chdir=${opts.dir}`, ...args];
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(bin, full, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    if (child.pid && opts.onSpawn) opts.onSpawn(child.pid);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (status) => {
      const result = { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: Date.now() - started };
      if (status === 0) resolvePromise(result);
      else reject(new TofuError(args, status, result.stderr || result.stdout));
    });
  });
}

/** `tofu init` from the mirror, with the local backend's state file moved to `statePath`. */
export function tofuInit(dir: string, statePath: string, env?: Readonly<Record<string, string>>): Promise<TofuResult> {
  return tofu(['init', '-no-color', '-input=false', '-reconfigure', `-backend-config=path=${statePath}`], { dir, env });
}
