/**
 * How long validation takes to reject a large platform: `generatePlatform(20_000)` from
 * `bench/generated-platforms.ts` with a handful of problems planted (a malformed service, a
 * duplicate service, a path collision, an unknown region, a production-grade environment with one
 * replica), validated in-process, 5 runs. Target: under 2 s. The same input is also run through the
 * app as `cdktf.json` runs it (one run), to show the whole rejection including start-up.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PlatformConfigError, validatePlatforms } from '../config/validate';
import { generatePlatform } from './generated-platforms';

const SERVICES = 20_000;
const TARGET_S = 2;

/** The generated platform with problems planted at the start, the middle and the end. */
export function plantedPlatform(n = SERVICES): unknown {
  const p = JSON.parse(JSON.stringify(generatePlatform(n)));
  p.services[Math.floor(n / 2)].reads = 'services/svc-00001';
  p.services.push(JSON.parse(JSON.stringify(p.services[0])));
  p.secrets.push({ ...p.secrets[0], path: 'Services/svc-00000', consumers: [] });
  p.environments.prod.aws.replicaRegions.push('eu-west-9');
  p.environments.staging.replicas = 1;
  return p;
}

/** Runs the measurement and prints one table; returns the figures for results.json. */
export async function benchValidation(out: (line?: string) => void = (l = '') => process.stdout.write(`${l}\n`)): Promise<Record<string, unknown>> {
  const runs: number[] = [];
  let problems = 0;
  for (let i = 0; i < 5; i++) {
    const input = [plantedPlatform()];
    const t0 = performance.now();
    try {
      validatePlatforms(input);
      throw new Error('the planted platform passed validation');
    } catch (err) {
      if (!(err instanceof PlatformConfigError)) throw err;
      problems = err.issues.length;
    }
    runs.push((performance.now() - t0) / 1000);
  }
  const median = [...runs].sort((a, b) => a - b)[2];

  // End to end: the app command on a module exporting the planted platform.
  const root = join(__dirname, '..');
  const dir = mkdtempSync(join(tmpdir(), 'vsp-bench-validation-'));
  const module = join(dir, 'planted.ts');
  writeFileSync(module, `const { plantedPlatform } = require(${JSON.stringify(join(__dirname, 'validation'))});\nexports.PLATFORMS = [plantedPlatform(${SERVICES})];\n`);
  const app: string = JSON.parse(readFileSync(join(root, 'cdktf.json'), 'utf8')).app;
  const t0 = performance.now();
  const r = spawnSync(app, { shell: true, cwd: root, encoding: 'utf8', maxBuffer: 64 << 20, env: { ...process.env, VSP_PLATFORMS_MODULE: module, CDKTF_OUTDIR: join(dir, 'out'), CHECKPOINT_DISABLE: '1' } });
  const appS = (performance.now() - t0) / 1000;
  rmSync(dir, { recursive: true, force: true });

  out(`Validation: reject a ${SERVICES.toLocaleString('en')}-service platform (planted problems; 5 in-process runs)`);
  out(`  validatePlatforms median ${median.toFixed(2)} s (min ${Math.min(...runs).toFixed(2)} s), ${problems} problems reported, target < ${TARGET_S} s: ${median < TARGET_S ? 'PASS' : 'MISS'}`);
  out(`  app command end to end (start-up, load, validate, exit ${r.status}): ${appS.toFixed(2)} s`);
  return { services: SERVICES, runsS: runs, medianS: median, problems, appS, appExit: r.status, targetS: TARGET_S };
}

if (require.main === module) void benchValidation();
