/**
 * `tofu init` and `tofu validate` of every Vault configuration stack (every platform × environment),
 * with the vault and random providers the toolchain built, installed from the local mirror only.
 * Cluster environments use an S3 backend, so init runs with `-backend=false`: validation needs the
 * providers' schemas, not the state. The other layers need the aws, kubernetes and helm providers,
 * which are not built here (README, Limits today).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tofu } from '../../scripts/lib/tofu';
import { runApp } from '../support/run-app';

jest.setTimeout(300_000);

const synth = runApp();
const stacksDir = join(synth.outdir, 'stacks');
const pairs = ['waqiti', 'pea-forecast'].flatMap((p) => ['local', 'dev', 'staging', 'prod'].map((e) => `${p}-${e}-vault-config`));
const dataDir = mkdtempSync(join(tmpdir(), 'vsp-validate-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

test('the app synthesized', () => {
  expect(synth.status).toBe(0);
});

test.each(pairs)('%s: tofu init installs vault and random from the mirror, and tofu validate passes', async (stack) => {
  const dir = join(stacksDir, stack);
  const env = { TF_DATA_DIR: join(dataDir, stack) };
  const init = await tofu(['init', '-no-color', '-input=false', '-backend=false'], { dir, env });
  expect(init.stdout).toMatch(/Installed hashicorp\/vault v5\.9\.0|Using previously-installed hashicorp\/vault v5\.9\.0/);
  expect(init.stdout).toMatch(/hashicorp\/random v3\.9\.0/);
  const validate = await tofu(['validate', '-json', '-no-color'], { dir, env });
  const result = JSON.parse(validate.stdout) as { valid: boolean; error_count: number; diagnostics: unknown[] };
  expect(result).toMatchObject({ valid: true, error_count: 0 });
});
