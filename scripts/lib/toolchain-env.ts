/**
 * Reads the toolchain description written by `bash scripts/toolchain.sh`
 * (tofu, bao, the provider mirror and CRD source folders, all cached outside
 * the repository).
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The cache folder: $VSP_TOOLCHAIN_DIR or ~/.cache/vault-secrets-platform. */
export function toolchainDir(): string {
  const fromEnv = process.env.VSP_TOOLCHAIN_DIR;
  return fromEnv && fromEnv.length > 0 ? fromEnv : join(homedir(), '.cache', 'vault-secrets-platform');
}

/**
 * The values of env.json: PATH_PREPEND, TF_CLI_CONFIG_FILE,
 * TERRAFORM_BINARY_NAME, CHECKPOINT_DISABLE, VSP_TOFU_BIN, VSP_BAO_BIN,
 * VSP_PROVIDER_MIRROR, VSP_CRD_ESO_DIR, VSP_CRD_PROMETHEUS_DIR,
 * VSP_CRD_CSI_DIR, VSP_PROVIDERS_MISSING, ...
 * Throws if the toolchain has not been set up yet.
 */
export function loadToolchainEnv(): Record<string, string> {
  const file = join(toolchainDir(), 'env.json');
  if (!existsSync(file)) {
    throw new Error(
      `Toolchain not found: ${file} does not exist. Run \`bash scripts/toolchain.sh\` first ` +
        '(it builds tofu, bao and the providers into the cache; set VSP_TOOLCHAIN_DIR to use another folder).',
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`Toolchain file ${file} is not valid JSON (${(err as Error).message}); re-run \`bash scripts/toolchain.sh\`.`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`Toolchain file ${file} is not a JSON object; re-run \`bash scripts/toolchain.sh\`.`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(parsed as Record<string, unknown>)) {
    out[k] = String(v);
  }
  return out;
}

/**
 * An environment for child processes (tofu, cdktf, bao): `base` plus the
 * toolchain variables, with the tool folders put in front of PATH.
 */
export function toolchainProcessEnv(base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const tc = loadToolchainEnv();
  const env: NodeJS.ProcessEnv = { ...base };
  for (const [k, v] of Object.entries(tc)) {
    if (k === 'PATH_PREPEND') continue;
    env[k] = v;
  }
  const prepend = tc.PATH_PREPEND ?? tc.VSP_TOOLCHAIN_PATH;
  if (prepend) env.PATH = base.PATH ? `${prepend}${delimiter}${base.PATH}` : prepend;
  return env;
}
