/**
 * Whether the tools a review's plans need are already built: tofu, bao, and the vault and random
 * providers (their stamps in the toolchain cache). When they are, `npm run review` does not run
 * `scripts/toolchain.sh`, which takes the cache's lock and would wait behind any other build.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { toolchainDir } from '../scripts/lib/toolchain-env';

/** Stamp name prefixes (`stamps/<key>-<version>.done`) of what the plans need. */
export const PLAN_TOOLS = ['tofu-', 'bao-', 'provider-vault-', 'provider-random-'] as const;

export function toolchainReadyForPlans(dir = toolchainDir()): boolean {
  const stamps = join(dir, 'stamps');
  if (!existsSync(join(dir, 'env.json')) || !existsSync(stamps)) return false;
  const done = readdirSync(stamps).filter((f) => f.endsWith('.done'));
  return PLAN_TOOLS.every((prefix) => done.some((f) => f.startsWith(prefix)));
}
