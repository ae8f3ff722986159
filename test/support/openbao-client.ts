/**
 * Small helpers for tests that talk to a real OpenBao (see scripts/lib/openbao.ts):
 * finding the `bao` binary, a minimal HTTP client, and Vault's ACL path matching
 * for the grants of a plan.
 *
 * Nothing here prints or stores a token or a secret value: failures carry only
 * HTTP statuses and OpenBao's error strings.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { loadToolchainEnv, toolchainDir } from '../../scripts/lib/toolchain-env';

/**
 * The bao binary startOpenBao() will run ($VSP_BAO_BIN, then the toolchain's, then `bao` on PATH).
 * Throws, telling to run `bash scripts/toolchain.sh`, when there is none.
 */
export function requireBaoBinary(): string {
  const hint = 'OpenBao (`bao`) is required by the integration tests. Run `bash scripts/toolchain.sh` to install it into the toolchain cache.';
  const executable = (file: string): boolean => {
    try {
      accessSync(file, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  };
  const explicit = process.env.VSP_BAO_BIN;
  if (explicit) {
    if (executable(explicit)) return explicit;
    throw new Error(`VSP_BAO_BIN=${explicit} is not an executable file. ${hint}`);
  }
  let toolchainProblem = '';
  try {
    const fromToolchain = loadToolchainEnv().VSP_BAO_BIN;
    if (fromToolchain && existsSync(fromToolchain) && executable(fromToolchain)) return fromToolchain;
    toolchainProblem = fromToolchain ? ` (the toolchain names ${fromToolchain}, which is missing)` : ' (the toolchain names no bao)';
  } catch {
    toolchainProblem = ` (no ${join(toolchainDir(), 'env.json')})`;
  }
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir && executable(join(dir, 'bao'))) return join(dir, 'bao');
  }
  throw new Error(`bao not found: not in the toolchain${toolchainProblem} and not on PATH. ${hint}`);
}

/** One HTTP answer of OpenBao. `body` may hold secret data: never print it. */
export interface BaoResponse {
  readonly status: number;
  readonly body: any;
}

/** Calls `<addr>/v1/<path>` with an optional token and JSON body. */
export async function baoRequest(addr: string, token: string | undefined, method: string, path: string, body?: unknown): Promise<BaoResponse> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers['x-vault-token'] = token;
  const res = await fetch(`${addr}/v1/${path.replace(/^\/+/, '')}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed };
}

/** OpenBao's error strings of an answer (never its data). */
export function baoErrors(r: BaoResponse): string {
  const errors = r.body && typeof r.body === 'object' && Array.isArray(r.body.errors) ? (r.body.errors as unknown[]) : [];
  return errors.length > 0 ? errors.map(String).join('; ') : `HTTP ${r.status}`;
}

/** Like baoRequest, but throws (with the status and OpenBao's errors only) unless the answer is 2xx. */
export async function baoOk(addr: string, token: string, method: string, path: string, body?: unknown): Promise<BaoResponse> {
  const r = await baoRequest(addr, token, method, path, body);
  if (r.status < 200 || r.status > 299) throw new Error(`${method} /v1/${path} answered ${r.status}: ${baoErrors(r)}`);
  return r;
}

/**
 * Resolves a cdktf token such as `${vault_auth_backend.x.path}` against the resources of a
 * synthesized stack; any other value is returned as is.
 */
export function resolveTfReference(tf: Record<string, any>, value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const m = /^\$\{([a-z0-9_]+)\.([^.}]+)\.([a-z0-9_]+)\}$/i.exec(value);
  if (!m) return value;
  const [, type, name, attr] = m;
  const resource = tf.resource?.[type]?.[name];
  if (!resource) throw new Error(`reference ${value} names no resource of the stack`);
  if (!(attr in resource)) throw new Error(`reference ${value}: the resource has no literal "${attr}"`);
  return resolveTfReference(tf, resource[attr]);
}

/** The value of a `${var.name}` reference from `variables`; other values unchanged. Unknown variables throw. */
export function resolveVariable(value: unknown, variables: Readonly<Record<string, string>>): unknown {
  if (typeof value !== 'string') return value;
  const m = /^\$\{var\.([a-z0-9_]+)\}$/i.exec(value);
  if (!m) return value;
  if (!(m[1] in variables)) throw new Error(`no value given for variable ${m[1]}`);
  return variables[m[1]];
}

/** A path rule of a policy: a path (exact, or a prefix ending in `*`) and its capabilities. */
export interface PathRule {
  readonly path: string;
  readonly capabilities: readonly string[];
}

/**
 * The capabilities Vault's ACL gives on `path` for these rules, as `sys/capabilities-self` reports
 * them (sorted; `["deny"]` when nothing matches): rules on the same path merge, an exact path wins
 * over globs, and among globs the longest prefix wins. `+` segments are not supported.
 */
export function expectedCapabilities(rules: readonly PathRule[], path: string): string[] {
  for (const r of rules) {
    if (r.path.includes('+')) throw new Error(`expectedCapabilities does not model "+" segments (${r.path})`);
    if (r.path.slice(0, -1).includes('*')) throw new Error(`"*" is only allowed at the end of a path (${r.path})`);
  }
  const exact = rules.filter((r) => r.path === path);
  let chosen = exact;
  if (chosen.length === 0) {
    const globs = rules.filter((r) => r.path.endsWith('*') && path.startsWith(r.path.slice(0, -1)));
    const longest = Math.max(-1, ...globs.map((r) => r.path.length));
    chosen = globs.filter((r) => r.path.length === longest);
  }
  const caps = new Set(chosen.flatMap((r) => r.capabilities));
  if (caps.size === 0 || caps.has('deny')) return ['deny'];
  return [...caps].sort();
}

