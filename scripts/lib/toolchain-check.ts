/**
 * Which tools a command needs are missing from the toolchain cache, and building them with
 * `bash scripts/toolchain.sh` (only when something is missing: a warm check never takes the
 * script's lock).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from './cdktf-cli';
import { loadToolchainEnv } from './toolchain-env';

/** A provider the local Vault stack installs from the mirror. */
export interface MirrorProvider {
  readonly name: string;
  readonly version: string;
}

/** The providers of the local vault-config stack. */
export const LOCAL_VAULT_PROVIDERS: readonly MirrorProvider[] = [
  { name: 'vault', version: '5.9.0' },
  { name: 'random', version: '3.9.0' },
];

/** Names of missing tools ([] when tofu, bao and every provider are in the cache). */
export function missingTools(extraBins: readonly string[] = [], providers: readonly MirrorProvider[] = LOCAL_VAULT_PROVIDERS): string[] {
  let tc: Record<string, string>;
  try {
    tc = loadToolchainEnv();
  } catch {
    return ['the whole toolchain (no env.json)'];
  }
  const missing: string[] = [];
  for (const key of ['VSP_TOFU_BIN', 'VSP_BAO_BIN', ...extraBins]) {
    if (!tc[key] || !existsSync(tc[key])) missing.push(key);
  }
  const mirror = tc.VSP_PROVIDER_MIRROR;
  for (const p of providers) {
    if (!mirror || !existsSync(join(mirror, 'registry.opentofu.org', 'hashicorp', p.name, p.version))) missing.push(`provider ${p.name} ${p.version}`);
  }
  return missing;
}

/** Runs `bash scripts/toolchain.sh`, passing each output line to `onLine`. Rejects on failure. */
export function buildToolchain(onLine: (line: string) => void): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [join(PROJECT_ROOT, 'scripts', 'toolchain.sh')], { cwd: PROJECT_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let buffer = '';
    const take = (d: Buffer) => {
      buffer += d.toString('utf8');
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      lines.filter(Boolean).forEach(onLine);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolvePromise() : reject(new Error(`scripts/toolchain.sh exited with ${code}`))));
  });
}
