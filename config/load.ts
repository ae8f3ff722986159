/**
 * Loading the platforms module: the shipped `config/platforms`, or the module named by
 * `VSP_PLATFORMS_MODULE`. Every way it can be wrong (missing file, a module that throws, no
 * `PLATFORMS` export, null, not a list, an empty list) is one clean `PlatformsModuleError`.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describeValue } from './errors';

/** The platforms module could not give a list of platforms. */
export class PlatformsModuleError extends Error {
  constructor(
    message: string,
    /** How to fix it. */
    public readonly hint: string,
  ) {
    super(message);
    this.name = 'PlatformsModuleError';
  }
}

const EXAMPLE = 'export const PLATFORMS: PlatformConfig[] = [myPlatform];';

/** The `PLATFORMS` list exported by `modulePath` (resolved from the working folder), or the shipped one. */
export function loadPlatforms(modulePath: string | undefined): unknown[] {
  const label = modulePath ? `VSP_PLATFORMS_MODULE=${modulePath}` : 'config/platforms';
  let exported: Record<string, unknown>;
  if (modulePath) {
    const file = resolve(modulePath);
    const candidates = [file, ...['.ts', '.js', '.cjs', '.json'].map((ext) => `${file}${ext}`), resolve(file, 'index.ts'), resolve(file, 'index.js')];
    if (!candidates.some((c) => existsSync(c))) {
      throw new PlatformsModuleError(`the platforms module ${file} does not exist`, 'set VSP_PLATFORMS_MODULE to an existing .ts or .js file that exports PLATFORMS, or unset it to use config/platforms');
    }
    try {
      exported = require(file);
    } catch (err) {
      const reason = (err instanceof Error ? err.message : String(err)).split('\n').map((l) => l.trim()).filter(Boolean).slice(0, 3).join(' ');
      throw new PlatformsModuleError(`the platforms module ${file} failed to load: ${reason}`, 'fix the module so that it loads on its own (node --require tsx/cjs <file>)');
    }
  } else {
    exported = require('./platforms');
  }
  if (exported === null || typeof exported !== 'object' || !Object.prototype.hasOwnProperty.call(exported, 'PLATFORMS')) {
    const others = exported && typeof exported === 'object' ? Object.keys(exported) : [];
    throw new PlatformsModuleError(
      `${label} does not export PLATFORMS${others.length ? ` (it exports ${others.map((k) => `"${k}"`).join(', ')})` : ''}`,
      `export the list by that name: ${EXAMPLE}`,
    );
  }
  const platforms = exported.PLATFORMS;
  if (!Array.isArray(platforms)) throw new PlatformsModuleError(`PLATFORMS in ${label} must be a list of platforms, received ${describeValue(platforms)}`, EXAMPLE);
  if (platforms.length === 0) throw new PlatformsModuleError(`PLATFORMS in ${label} is empty: there is nothing to synthesize`, `add at least one platform: ${EXAMPLE}`);
  return [...platforms];
}
