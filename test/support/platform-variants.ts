/**
 * Platform modules for tests that compare two versions of the configuration: each call writes a
 * module exporting `PLATFORMS` (the shipped platforms, then `mutate` applied to a copy) that the app
 * loads through VSP_PLATFORMS_MODULE.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PLATFORMS_INDEX = join(__dirname, '..', '..', 'config', 'platforms');

/** Writes the module and returns its path. `mutate` is the body of `(platforms) => { ... }`. */
export function platformVariant(name: string, mutate = ''): string {
  const file = join(mkdtempSync(join(tmpdir(), `vsp-variant-${name}-`)), `${name}.ts`);
  writeFileSync(
    file,
    `const { PLATFORMS: SHIPPED } = require(${JSON.stringify(PLATFORMS_INDEX)});
const platforms = JSON.parse(JSON.stringify(SHIPPED));
const named = (n) => platforms.find((p) => p.name === n);
const service = (p, n) => p.services.find((s) => s.name === n);
const secret = (p, path) => p.secrets.find((s) => s.path === path);
((platforms) => { ${mutate} })(platforms);
exports.PLATFORMS = platforms;
`,
  );
  return file;
}
