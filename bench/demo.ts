/**
 * `npm run bench`, section "Demo and the local Vault layer". Reports, never asserts:
 *
 *  - `npm run demo` wall time, warm (tools cached; VSP_BENCH_DEMO_RUNS runs, default 2), and cold:
 *    the toolchain's cold build seconds for the tools the demo needs (tofu, bao, the vault, random
 *    and kubernetes providers, etcd, kube-apiserver and kubectl, the ESO controller; from
 *    timings.json) plus the warm demo. The cache is shared, so it is not wiped to time a real cold run.
 *  - first `tofu apply` and no-op `tofu plan` of the local vault-config stack of each reference
 *    platform and of a generated 50-service platform (bench/generated-platforms.ts), each against
 *    its own fresh OpenBao. Targets: no-op plan ≤ 10 s, first apply of 50 services ≤ 30 s.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { localStackEnv, startOpenBao } from '../scripts/lib/openbao';
import { tofu, tofuInit, TofuError } from '../scripts/lib/tofu';
import { toolchainDir } from '../scripts/lib/toolchain-env';

const ROOT = join(__dirname, '..');
const TARGETS = { noopPlanS: 10, firstApply50S: 30 } as const;
/** Tools the demo needs, as key prefixes of timings.json (`<tool>-<version>`). */
const DEMO_TOOLS = ['tofu-', 'bao-', 'provider-vault-', 'provider-random-', 'provider-kubernetes-', 'etcd-', 'kube-', 'eso-'];
/** Warm demo runs (VSP_BENCH_DEMO_RUNS, default 2; 0 measures only the stacks). */
const DEMO_RUNS = Number(process.env.VSP_BENCH_DEMO_RUNS ?? 2);

/** One stack measured. */
interface StackFigures {
  readonly stack: string;
  readonly resources: number;
  readonly firstApplyS: number;
  readonly noopPlanS: number;
  readonly noopPlanEmpty: boolean;
}

/** Synthesizes the local stacks of one platform × env (as cdktf.json's app), returns the output folder. */
function synth(env: Record<string, string>): string {
  const { app } = JSON.parse(readFileSync(join(ROOT, 'cdktf.json'), 'utf8')) as { app: string };
  const outdir = join(mkdtempSync(join(tmpdir(), 'vsp-bench-demo-')), 'cdktf.out');
  const r = spawnSync(app, { shell: true, cwd: ROOT, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1', CDKTF_OUTDIR: outdir, ...env } });
  if (r.status !== 0) throw new Error(`synth failed (${r.status}): ${(r.stderr ?? '').slice(-1000)}`);
  return outdir;
}

/** First apply and no-op plan of one local vault-config stack against a fresh OpenBao. */
async function measureStack(stack: string, env: Record<string, string>): Promise<StackFigures> {
  const outdir = synth(env);
  const dir = join(outdir, 'stacks', stack);
  const server = await startOpenBao();
  try {
    const vars = await localStackEnv(server);
    await tofuInit(dir, join(outdir, '..', 'state', `${stack}.tfstate`), vars);
    const apply = await tofu(['apply', '-auto-approve', '-no-color', '-input=false'], { dir, env: vars });
    const t0 = Date.now();
    let empty = true;
    try {
      await tofu(['plan', '-detailed-exitcode', '-no-color', '-input=false'], { dir, env: vars });
    } catch (err) {
      if (!(err instanceof TofuError) || err.status !== 2) throw err;
      empty = false;
    }
    const noopPlanS = (Date.now() - t0) / 1000;
    const added = /Apply complete! Resources: (\d+) added/.exec(apply.stdout);
    return { stack, resources: added ? Number(added[1]) : 0, firstApplyS: apply.ms / 1000, noopPlanS, noopPlanEmpty: empty };
  } finally {
    await server.stop();
    rmSync(join(outdir, '..'), { recursive: true, force: true });
  }
}

/** Runs `npm run demo` once; returns its wall time and whether it exited 0. */
function timeDemo(): { seconds: number; exit: number | null; tail: string } {
  const t0 = Date.now();
  const r = spawnSync('npm', ['run', '--silent', 'demo'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
  return { seconds: (Date.now() - t0) / 1000, exit: r.status, tail: `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').filter(Boolean).slice(-3).join(' | ') };
}

const s2 = (x: number) => x.toFixed(2);
const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');

/** The section: prints its tables through `out` and returns its figures for results.json. */
export async function benchDemo(out: (line?: string) => void): Promise<Record<string, unknown>> {
  out('8. Demo and the local Vault layer');
  process.stderr.write('8. demo\n');
  const warmRuns = Array.from({ length: DEMO_RUNS }, () => timeDemo());
  const warm = warmRuns.length ? Math.min(...warmRuns.map((r) => r.seconds)) : Number.NaN;
  const timingsFile = join(toolchainDir(), 'timings.json');
  const timings: Record<string, number> = existsSync(timingsFile) ? JSON.parse(readFileSync(timingsFile, 'utf8')) : {};
  const known = Object.keys(timings).filter((k) => DEMO_TOOLS.some((prefix) => k.startsWith(prefix)));
  const coldTools = known.reduce((sum, t) => sum + timings[t], 0);
  const coldEstimate = coldTools + warm;
  out(
    [
      ...(warmRuns.length === 0
        ? [`npm run demo: not run (VSP_BENCH_DEMO_RUNS=0); cold builds of its tools: ${coldTools} s (${known.join(', ') || 'nothing recorded'})`]
        : [
            `npm run demo, warm (tools cached): ${warmRuns.map((r) => `${s2(r.seconds)} s (exit ${r.exit})`).join(', ')}`,
            `npm run demo, cold (estimated): ${s2(coldEstimate)} s = cold builds of ${known.join(', ') || 'nothing recorded'} (${coldTools} s, from ${timingsFile}) + the warm demo`,
          ]),
      ...(DEMO_TOOLS.some((p) => !known.some((k) => k.startsWith(p)))
        ? [`  no cold timing recorded for: ${DEMO_TOOLS.filter((p) => !known.some((k) => k.startsWith(p))).map((p) => `${p}*`).join(', ')}`]
        : []),
      ...warmRuns.filter((r) => r.exit !== 0).map((r) => `  a demo run failed: ${r.tail}`),
    ].join('\n'),
  );

  const stacks: StackFigures[] = [];
  for (const name of ['waqiti', 'pea-forecast']) {
    process.stderr.write(`  ${name}-local-vault-config\n`);
    stacks.push(await measureStack(`${name}-local-vault-config`, { VSP_ONLY: `${name}-local` }));
  }
  process.stderr.write('  bench-local-vault-config (50 services)\n');
  const generated = await measureStack('bench-local-vault-config', {
    VSP_ONLY: 'bench-local',
    VSP_PLATFORMS_MODULE: 'bench/generated-platforms.ts',
    VSP_BENCH_SERVICES: '50',
  });
  stacks.push({ ...generated, stack: 'bench-local-vault-config (50 services)' });

  const widths = [42, 9, 15, 13, 8];
  const row = (c: string[]) => c.map((x, i) => (i === 0 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  out(row(['stack', 'resources', 'first apply (s)', 'no-op plan (s)', 'targets']));
  for (const s of stacks) {
    const is50 = s.stack.startsWith('bench-');
    const targets = [`plan ≤ ${TARGETS.noopPlanS} ${verdict(s.noopPlanS <= TARGETS.noopPlanS && s.noopPlanEmpty)}`, ...(is50 ? [`apply ≤ ${TARGETS.firstApply50S} ${verdict(s.firstApplyS <= TARGETS.firstApply50S)}`] : [])];
    out(`${row([s.stack, String(s.resources), s2(s.firstApplyS), `${s2(s.noopPlanS)}${s.noopPlanEmpty ? '' : ' (NOT EMPTY)'}`, ''])}${targets.join(', ')}`);
  }
  out();
  return { targets: TARGETS, demoWarmRuns: warmRuns.map(({ seconds, exit }) => ({ seconds, exit })), demoColdEstimateS: coldEstimate, coldToolSeconds: Object.fromEntries(known.map((k) => [k, timings[k]])), stacks };
}
