/**
 * `tofu init` and `tofu validate` of EVERY synthesized stack: each folder under `cdktf.out/stacks`
 * is discovered, so a stack added later is validated without touching this file. Providers come
 * only from the toolchain's local mirror (the CLI config has no `direct` block). Init runs with
 * `-backend=false`: validation needs the providers' schemas, not the state, and the S3 backends of
 * cluster environments are out of reach here.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tofu } from '../../scripts/lib/tofu';
import { loadToolchainEnv } from '../../scripts/lib/toolchain-env';
import { runApp } from '../support/run-app';

jest.setTimeout(600_000);

const synth = runApp();
const stacksDir = join(synth.outdir, 'stacks');
const stacks = readdirSync(stacksDir).sort();
const dataDir = mkdtempSync(join(tmpdir(), 'vsp-validate-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** The newest version of each provider in the toolchain's mirror, e.g. `{ aws: '6.48.0' }`. */
function mirrorVersions(): Record<string, string> {
  const root = join(loadToolchainEnv().VSP_PROVIDER_MIRROR, 'registry.opentofu.org', 'hashicorp');
  const newest = (versions: string[]) => versions.sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).at(-1)!;
  return Object.fromEntries(readdirSync(root).map((name) => [name, newest(readdirSync(join(root, name)))]));
}

/** Provider → version, from the `.terraform.lock.hcl` that init wrote. */
function lockedVersions(dir: string): Record<string, string> {
  const lock = readFileSync(join(dir, '.terraform.lock.hcl'), 'utf8');
  return Object.fromEntries([...lock.matchAll(/provider "registry\.opentofu\.org\/hashicorp\/([a-z0-9-]+)" \{\s*version\s*=\s*"([^"]+)"/g)].map((m) => [m[1], m[2]]));
}

test('the app synthesized every platform × environment × layer (32 stacks or more)', () => {
  expect(synth.status).toBe(0);
  expect(stacks.length).toBeGreaterThanOrEqual(32);
  for (const layer of ['unseal', 'cluster', 'vault-config', 'backup', 'sync']) {
    expect(stacks.filter((s) => s.endsWith(`-${layer}`)).length).toBeGreaterThanOrEqual(layer === 'vault-config' ? 8 : 6);
  }
});

test.each(stacks)('%s: tofu init installs its providers from the mirror, and tofu validate passes', async (stack) => {
  const dir = join(stacksDir, stack);
  const env = { TF_DATA_DIR: join(dataDir, stack) };
  const required = Object.keys(JSON.parse(readFileSync(join(dir, 'cdk.tf.json'), 'utf8')).terraform.required_providers).sort();
  await tofu(['init', '-no-color', '-input=false', '-backend=false'], { dir, env });
  const mirror = mirrorVersions();
  expect(lockedVersions(dir)).toEqual(Object.fromEntries(required.map((name) => [name, mirror[name]])));
  const validate = await tofu(['validate', '-json', '-no-color'], { dir, env });
  const result = JSON.parse(validate.stdout) as { valid: boolean; error_count: number; diagnostics: Array<{ severity: string; summary: string }> };
  expect({ valid: result.valid, errors: result.diagnostics.filter((d) => d.severity === 'error').map((d) => d.summary) }).toEqual({ valid: true, errors: [] });
});
