/**
 * `npm run bench`: measures synthesis and the toolchain, prints a table per section and writes
 * every figure to `bench/results.json`. Targets are informational: a MISS never fails the run.
 *
 *  1. Shipped stacks: the app exactly as cdktf.json's "app" runs it, 5 runs.
 *  2. Scale: `bench/generated-platforms.ts` with N services, prod only (all 5 layers).
 *  3. Floor: `bench/floor-app.ts`, the same resources from a bare cdktf app; ours/floor per N.
 *  4. Toolchain: cold build seconds from timings.json, and a timed run of scripts/toolchain.sh.
 *  5. Review: `npm run review -- --base HEAD` on both reference platforms (3 runs): wall time, time
 *     inside tofu (the plans themselves, from review.json) and the rest, against 20 s.
 *  7. Local platform (`bench/local-platform.ts`): cluster start-to-ready, sync-layer first apply and
 *     no-op plan, and apply-to-synced time, per reference platform.
 *  8. AWS (`bench/aws.ts`): aws provider build times, the backup layer applied to moto, restore time.
 *
 * Wall time is measured around the child process. Peak RSS is `%M` of GNU `/usr/bin/time`: the
 * largest peak of any single process in the tree (rusage of children), not a sum. Without GNU time
 * a `--require` preload (via NODE_OPTIONS) reports `process.resourceUsage().maxRSS` of each node
 * process instead.
 *
 * Env: VSP_BENCH_SIZES (default "100,1000,5000"), VSP_BENCH_RUNS (runs per size, default 3),
 *      VSP_BENCH_TOOLCHAIN_TIMEOUT (seconds, default 120; a run still building after that is stopped).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, homedir, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchAws } from './aws';
import { benchDemo } from './demo';
import { benchLocalPlatform } from './local-platform';
import { benchValidation } from './validation';

const ROOT = join(__dirname, '..');
const SCRATCH = mkdtempSync(join(tmpdir(), 'vsp-bench-'));
const TARGETS = { shippedWallS: 1.5, shippedRssMb: 300, scale1000WallS: 3, floorRatio: 1.5, reviewOverheadS: 20 } as const;
const SIZES = (process.env.VSP_BENCH_SIZES ?? '100,1000,5000').split(',').map(Number).filter((n) => n > 0);
const SCALE_RUNS = Number(process.env.VSP_BENCH_RUNS ?? 3);
const TOOLCHAIN_TIMEOUT_S = Number(process.env.VSP_BENCH_TOOLCHAIN_TIMEOUT ?? 120);

/** The app command from cdktf.json, e.g. `node --require tsx/cjs main.ts`. */
const APP: string = JSON.parse(readFileSync(join(ROOT, 'cdktf.json'), 'utf8')).app;
/** The floor app under the same runner: the app command with its entry file swapped. */
const FLOOR_APP = /\bmain\.ts$/.test(APP) ? APP.replace(/\bmain\.ts$/, 'bench/floor-app.ts') : 'node --require tsx/cjs bench/floor-app.ts';

/** Whether `/usr/bin/time` is GNU time (accepts -f and -o). */
const GNU_TIME = existsSync('/usr/bin/time') && spawnSync('/usr/bin/time', ['-f', '%M', '-o', join(SCRATCH, 'probe'), 'true']).status === 0;
/** Fallback: every node process appends its own peak RSS (KB) to $VSP_BENCH_RSS_FILE on exit. */
const PRELOAD = join(SCRATCH, 'maxrss.cjs');
writeFileSync(PRELOAD, "process.on('exit', () => require('fs').appendFileSync(process.env.VSP_BENCH_RSS_FILE, process.resourceUsage().maxRSS + '\\n'));\n");

/** One measured run. */
interface Sample {
  readonly wallS: number;
  readonly rssMb: number;
}

/** Several runs of one command, summarized. */
interface Measured {
  readonly runs: Sample[];
  readonly medianS: number;
  readonly minS: number;
  readonly peakRssMb: number;
  /** Resources per type over every synthesized stack (kubernetes_manifest split by kind). */
  readonly resources: Record<string, number>;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Counts resources per type in every `stacks/<name>/cdk.tf.json` of an output folder. */
function countResources(outdir: string): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (key: string) => (counts[key] = (counts[key] ?? 0) + 1);
  for (const stack of readdirSync(join(outdir, 'stacks'))) {
    const tf = JSON.parse(readFileSync(join(outdir, 'stacks', stack, 'cdk.tf.json'), 'utf8'));
    for (const [type, byId] of Object.entries<Record<string, { manifest?: { kind?: string } }>>(tf.resource ?? {})) {
      for (const body of Object.values(byId)) add(type === 'kubernetes_manifest' ? `kubernetes_manifest (${body.manifest?.kind})` : type);
    }
    for (const [type, byId] of Object.entries<object>(tf.ephemeral ?? {})) for (let i = 0; i < Object.keys(byId).length; i++) add(`ephemeral.${type}`);
  }
  return counts;
}

/** Runs a shell command once from the repo root with a fresh CDKTF_OUTDIR. */
function runOnce(command: string, env: Record<string, string>, count: boolean): Sample & { resources?: Record<string, number> } {
  const outdir = mkdtempSync(join(SCRATCH, 'out-'));
  const rssFile = join(SCRATCH, 'rss');
  rmSync(rssFile, { force: true });
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, CDKTF_OUTDIR: outdir, CHECKPOINT_DISABLE: '1' };
  if (!GNU_TIME) Object.assign(childEnv, { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${PRELOAD}`.trim(), VSP_BENCH_RSS_FILE: rssFile });
  const argv = GNU_TIME ? ['/usr/bin/time', '-f', '%M', '-o', rssFile, 'sh', '-c', command] : ['sh', '-c', command];
  const t0 = performance.now();
  const r = spawnSync(argv[0], argv.slice(1), { cwd: ROOT, env: childEnv, encoding: 'utf8', maxBuffer: 256 << 20 });
  const wallS = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`"${command}" exited with ${r.status ?? r.signal}:\n${(r.stderr ?? '').slice(-2000)}`);
  const rssKb = Math.max(...readFileSync(rssFile, 'utf8').trim().split('\n').map((l) => Number(l.trim())).filter(Number.isFinite));
  const resources = count ? countResources(outdir) : undefined;
  rmSync(outdir, { recursive: true, force: true });
  return { wallS, rssMb: rssKb / 1024, resources };
}

/** Runs `command` `runs` times (counting resources on the first run only). */
function measure(label: string, command: string, env: Record<string, string>, runs: number): Measured {
  const samples: Sample[] = [];
  let resources: Record<string, number> = {};
  for (let i = 0; i < runs; i++) {
    const s = runOnce(command, env, i === 0);
    if (s.resources) resources = s.resources;
    samples.push({ wallS: s.wallS, rssMb: s.rssMb });
    process.stderr.write(`  ${label} run ${i + 1}/${runs}: ${s.wallS.toFixed(2)} s, ${s.rssMb.toFixed(0)} MB\n`);
  }
  const walls = samples.map((s) => s.wallS);
  return { runs: samples, medianS: median(walls), minS: Math.min(...walls), peakRssMb: Math.max(...samples.map((s) => s.rssMb)), resources };
}

/** A plain-text table; figures (cells after the first that start with a digit or ≤) are right-aligned. */
function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i > 0 && /^[\d≤]/.test(c) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
const s2 = (x: number) => x.toFixed(2);
const mb = (x: number) => x.toFixed(0);

/** Runs scripts/toolchain.sh in its own process group; stops the group after the timeout. */
function runToolchain(script: string): Promise<{ seconds: number; code: number | null; timedOut: boolean; output: string }> {
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn('bash', [script], { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    let timedOut = false;
    const stop = (signal: NodeJS.Signals) => {
      try {
        if (child.pid) process.kill(-child.pid, signal);
      } catch {
        // The group is already gone.
      }
    };
    let hardStop: NodeJS.Timeout | undefined;
    const timer = setTimeout(() => {
      timedOut = true;
      stop('SIGTERM');
      hardStop = setTimeout(() => stop('SIGKILL'), 5000);
    }, TOOLCHAIN_TIMEOUT_S * 1000);
    child.on('close', (code) => {
      clearTimeout(timer);
      clearTimeout(hardStop);
      done({ seconds: (performance.now() - t0) / 1000, code, timedOut, output });
    });
  });
}

async function main(): Promise<void> {
  const results: Record<string, unknown> = {
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    loadavgAtStart: loadavg().map((x) => Number(x.toFixed(2))),
    rssSource: GNU_TIME ? '/usr/bin/time %M' : 'process.resourceUsage().maxRSS (preload)',
    app: APP,
    targets: TARGETS,
  };
  const out = (s = '') => process.stdout.write(`${s}\n`);
  out(`vault-secrets-platform bench: node ${process.version}, ${cpus().length} cpus, load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  out(`app: ${APP}   peak RSS from: ${results.rssSource}\n`);

  // 1. Shipped stacks.
  process.stderr.write('1. shipped stacks\n');
  const shipped = measure('shipped', APP, {}, 5);
  results.shipped = shipped;
  out('1. Shipped stacks (every platform × environment, 5 runs)');
  out(
    table(
      ['measure', 'value', 'target', 'result'],
      [
        ['median wall (s)', s2(shipped.medianS), `≤ ${TARGETS.shippedWallS}`, verdict(shipped.medianS <= TARGETS.shippedWallS)],
        ['min wall (s)', s2(shipped.minS), '', ''],
        ['peak RSS (MB)', mb(shipped.peakRssMb), `≤ ${TARGETS.shippedRssMb}`, verdict(shipped.peakRssMb <= TARGETS.shippedRssMb)],
        ['resources', String(Object.values(shipped.resources).reduce((a, b) => a + b, 0)), '', ''],
      ],
    ),
  );
  out();

  // 2 and 3. Scale and floor, interleaved per run so machine load hits both alike.
  const scale: Array<{ services: number; ours: Measured; floor: Measured; ratio: number }> = [];
  for (const n of SIZES) {
    process.stderr.write(`2/3. ${n} services\n`);
    const env = { VSP_BENCH_SERVICES: String(n), VSP_PLATFORMS_MODULE: 'bench/generated-platforms.ts', VSP_ONLY: 'bench-prod' };
    const ours: Sample[] = [];
    const floor: Sample[] = [];
    let oursRes: Record<string, number> = {};
    let floorRes: Record<string, number> = {};
    for (let i = 0; i < SCALE_RUNS; i++) {
      const a = measure(`ours  N=${n} (${i + 1}/${SCALE_RUNS})`, APP, env, 1);
      const b = measure(`floor N=${n} (${i + 1}/${SCALE_RUNS})`, FLOOR_APP, env, 1);
      ours.push(...a.runs);
      floor.push(...b.runs);
      if (i === 0) [oursRes, floorRes] = [a.resources, b.resources];
    }
    const summarize = (runs: Sample[], resources: Record<string, number>): Measured => ({
      runs,
      medianS: median(runs.map((r) => r.wallS)),
      minS: Math.min(...runs.map((r) => r.wallS)),
      peakRssMb: Math.max(...runs.map((r) => r.rssMb)),
      resources,
    });
    const o = summarize(ours, oursRes);
    const f = summarize(floor, floorRes);
    scale.push({ services: n, ours: o, floor: f, ratio: o.medianS / f.medianS });
  }
  results.scale = scale;

  out(`2. Scale (one platform, prod, all 5 layers; median of ${SCALE_RUNS} runs)`);
  out(
    table(
      ['services', 'resources', 'wall (s)', 'min (s)', 'peak RSS (MB)', 'ms/service', 'target'],
      scale.map(({ services, ours }) => [
        String(services),
        String(Object.values(ours.resources).reduce((a, b) => a + b, 0)),
        s2(ours.medianS),
        s2(ours.minS),
        mb(ours.peakRssMb),
        ((ours.medianS * 1000) / services).toFixed(2),
        services === 1000 ? `≤ ${TARGETS.scale1000WallS} s ${verdict(ours.medianS <= TARGETS.scale1000WallS)}` : '',
      ]),
    ),
  );
  const at = (n: number) => scale.find((s) => s.services === n);
  const growth: Record<string, number> = {};
  const [k1, k5] = [at(1000), at(5000)];
  if (k1 && k5) {
    growth.ours = k5.ours.medianS / k1.ours.medianS;
    growth.floor = k5.floor.medianS / k1.floor.medianS;
    growth.oursMarginalMsPerService = ((k5.ours.medianS - k1.ours.medianS) * 1000) / 4000;
    growth.floorMarginalMsPerService = ((k5.floor.medianS - k1.floor.medianS) * 1000) / 4000;
    out(
      `growth time(5000)/time(1000): ours ${s2(growth.ours)}, floor ${s2(growth.floor)} (linear = 5.00); ` +
        `marginal cost per service 1000→5000: ours ${growth.oursMarginalMsPerService.toFixed(2)} ms, floor ${growth.floorMarginalMsPerService.toFixed(2)} ms`,
    );
  }
  results.growth = growth;
  out();

  out(`3. Floor (bare cdktf app, same resources; median of ${SCALE_RUNS} runs)`);
  out(
    table(
      ['services', 'ours (s)', 'floor (s)', 'ours RSS (MB)', 'floor RSS (MB)', 'ours/floor', `target ≤ ${TARGETS.floorRatio}`],
      scale.map(({ services, ours, floor, ratio }) => [String(services), s2(ours.medianS), s2(floor.medianS), mb(ours.peakRssMb), mb(floor.peakRssMb), s2(ratio), verdict(ratio <= TARGETS.floorRatio)]),
    ),
  );
  const types = [...new Set(scale.flatMap((s) => [...Object.keys(s.ours.resources), ...Object.keys(s.floor.resources)]))].sort();
  const mismatches = scale.flatMap((s) => types.filter((t) => (s.ours.resources[t] ?? 0) !== (s.floor.resources[t] ?? 0)).map((t) => `${t} at N=${s.services}`));
  out('\nresources per type (ours / floor):');
  out(
    table(
      ['type', ...scale.map((s) => `N=${s.services}`)],
      types.map((t) => [t, ...scale.map((s) => `${s.ours.resources[t] ?? 0} / ${s.floor.resources[t] ?? 0}`)]),
    ),
  );
  out(mismatches.length === 0 ? 'counts match for every type and size' : `counts differ: ${mismatches.join(', ')}`);
  results.resourceMismatches = mismatches;
  out();

  // 4. Toolchain.
  out('4. Toolchain');
  const cache = process.env.VSP_TOOLCHAIN_DIR ?? join(homedir(), '.cache', 'vault-secrets-platform');
  const timingsFile = join(cache, 'timings.json');
  const toolchain: Record<string, unknown> = { cache };
  if (existsSync(timingsFile)) {
    const timings: Record<string, number> = JSON.parse(readFileSync(timingsFile, 'utf8'));
    toolchain.coldBuildSeconds = timings;
    out(`cold build seconds (${timingsFile}):`);
    out(table(['tool', 'seconds'], Object.entries(timings).map(([k, v]) => [k, String(v)])));
  } else {
    out(`no ${timingsFile} (the toolchain has not been built here)`);
  }
  const script = join(ROOT, 'scripts', 'toolchain.sh');
  if (!existsSync(script)) {
    out('scripts/toolchain.sh is missing: no warm run measured');
  } else {
    process.stderr.write('4. toolchain\n');
    const run = await runToolchain(script);
    const lines = run.output.split('\n').filter(Boolean);
    // One status per tool, from lines such as "[toolchain] tofu 1.12.6: cached".
    const tools = lines.flatMap((l) => {
      const m = /^\[toolchain\] ([^:]+ [^:\s]+): (cached|building…|downloading…|NOT AVAILABLE|skipped)/.exec(l);
      if (!m) return [];
      const status = { 'building…': 'built by this run', 'downloading…': 'downloaded by this run', 'NOT AVAILABLE': 'NOT AVAILABLE (skipped)' }[m[2]] ?? m[2];
      return [{ tool: m[1], status }];
    });
    const built = tools.filter((t) => t.status.endsWith('this run')).map((t) => t.tool);
    const missing = tools.filter((t) => !t.status.endsWith('this run') && t.status !== 'cached').map((t) => t.tool);
    const waited = lines.some((l) => l.includes('another toolchain.sh is running'));
    const warm = run.code === 0 && built.length === 0;
    toolchain.run = { seconds: run.seconds, exitCode: run.code, timedOut: run.timedOut, warm, tools, built, missing, waitedForLock: waited, tail: lines.slice(-5) };
    const what = run.timedOut
      ? `stopped after ${TOOLCHAIN_TIMEOUT_S} s${built.length ? `, still building ${built.join(', ')}` : ''} (not warm: run it once to the end, then re-bench)`
      : run.code !== 0
        ? `FAILED with exit ${run.code}: ${lines.slice(-1)[0] ?? ''}`
        : warm
          ? `warm (nothing built)${missing.length ? `, but ${missing.length} tool(s) not installed: ${missing.join(', ')}` : ', every tool cached'}`
          : `not warm: this run built ${built.join(', ')}`;
    out(`warm run, bash scripts/toolchain.sh: ${s2(run.seconds)} s, exit ${run.code ?? 'killed'}${waited ? ' (waited for another run holding the cache lock)' : ''}`);
    if (tools.length > 0) out(table(['tool', 'status'], tools.map((t) => [t.tool, t.status])));
    out(what);
    if (run.code !== 0 || run.timedOut) out(lines.slice(-5).map((l) => `  | ${l}`).join('\n'));
  }
  results.toolchain = toolchain;
  out();

  // 5. Review.
  out('5. Review: npm run review -- --base HEAD (both reference platforms; 3 runs)');
  process.stderr.write('5. review\n');
  const dirty = spawnSync('git', ['status', '--porcelain', '--', 'config', 'constructs', 'stacks', 'main.ts'], { cwd: ROOT, encoding: 'utf8' }).stdout.trim() !== '';
  const reviews: Array<{ wallS: number; tofuS: number; overheadS: number; noChanges: boolean; exit: number | null }> = [];
  for (let i = 0; i < 3; i++) {
    const outDir = join(SCRATCH, `review-${i}`);
    const t0 = Date.now();
    const res = spawnSync('npx', ['tsx', 'review/main.ts', '--base', 'HEAD', '--out', outDir], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1' } });
    const wallS = (Date.now() - t0) / 1000;
    if (res.status !== 0 || !existsSync(join(outDir, 'review.json'))) {
      out(`review run ${i + 1} failed (exit ${res.status}): ${(res.stderr ?? '').split('\n').filter(Boolean).slice(-3).join(' | ')}`);
      break;
    }
    const json = JSON.parse(readFileSync(join(outDir, 'review.json'), 'utf8'));
    const tofuS = json.timings.tofuMs / 1000;
    reviews.push({ wallS, tofuS, overheadS: wallS - tofuS, noChanges: json.noChanges, exit: res.status });
  }
  if (reviews.length) {
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const r = { wallS: median(reviews.map((x) => x.wallS)), tofuS: median(reviews.map((x) => x.tofuS)), overheadS: median(reviews.map((x) => x.overheadS)) };
    out(
      table(
        ['wall (s)', 'inside tofu (s)', 'beyond the plans (s)', `target ≤ ${TARGETS.reviewOverheadS} s`, 'no changes reported'],
        [[s2(r.wallS), s2(r.tofuS), s2(r.overheadS), verdict(r.overheadS <= TARGETS.reviewOverheadS), String(reviews.every((x) => x.noChanges))]],
      ),
    );
    out('"beyond the plans" = wall time of the whole command minus the time spent inside tofu (init, the base apply, plan, show):');
    out('it includes the toolchain check, both syntheses, starting OpenBao and the analysis.');
    if (dirty) out('note: the working tree differs from HEAD in config/constructs/stacks, so this was not a no-change review');
    results.review = { runs: reviews, median: r, dirtyWorkingTree: dirty };
  }

  results.validation = await benchValidation(out); // 6. reject a 20,000-service platform (bench/validation.ts)

  out('7. Local platform: real etcd, kube-apiserver, kube-controller-manager, ESO and OpenBao');
  process.stderr.write('7. local platform\n');
  results.localPlatform = await benchLocalPlatform(out);
  out();

  results.aws = await benchAws(out); // 8. AWS (bench/aws.ts)
  results.demo = await benchDemo(out); // 9. npm run demo, first apply and no-op plan of local Vault stacks (bench/demo.ts)
  writeFileSync(join(__dirname, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  out('\nwritten: bench/results.json');
}

main()
  .catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  })
  .finally(() => rmSync(SCRATCH, { recursive: true, force: true }));
