/**
 * `npm run demo`: the whole local platform in one command.
 *
 *   npm run demo                          build missing tools, start OpenBao, deploy, prove, stop
 *   npm run demo -- --platform pea-forecast
 *   npm run demo -- --keep                leave it running; writes .demo/env.sh
 *   npm run demo -- --stop                stop a kept platform (by its recorded PIDs)
 *
 * Steps: (1) tools from the cache, built by scripts/toolchain.sh when missing; (2) a real OpenBao on
 * 127.0.0.1 (file storage in a fresh folder, initialised and unsealed, audit devices allowed; not
 * dev mode); (3) `cdktf deploy '<platform>-local-*' --auto-approve --skip-provider-lock` through the
 * CLI; (4) the who-can-read-what matrix cdktf wrote next to the stack; (5) the matrix proven live:
 * for three services, a token with exactly the service's access reads its own secret (200) and is
 * refused a neighbour's (403). Only paths and HTTP statuses are printed, never a value or a token.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type { AccessReport } from '../config/access-report';
import { planPlatform } from '../config/plan';
import { PLATFORMS } from '../config/platforms';
import { validatePlatforms } from '../config/validate';
import { proveAccess, tokenWithRolePolicies, type ServiceProof } from './lib/access-proof';
import { PROJECT_ROOT, runCdktf } from './lib/cdktf-cli';
import { DEMO_DIR, readKeptPlatform, startDetachedOpenBao, stopKeptPlatform, writeKeptPlatform, type KeptProcess } from './lib/kept-platform';
import { localStackEnv, startOpenBao, writeCredentialsFile, type OpenBaoServer } from './lib/openbao';
import { buildToolchain, missingTools } from './lib/toolchain-check';
import { loadToolchainEnv, toolchainDir } from './lib/toolchain-env';

/** Parsed command line. */
interface DemoArgs {
  readonly platform: string;
  readonly keep: boolean;
  readonly stop: boolean;
}

const USAGE = `usage: npm run demo [-- --platform <name>] [-- --keep | --stop]
  --platform <name>  reference platform to deploy (${PLATFORMS.map((p) => p.name).join(', ')}); default waqiti
  --keep             leave the platform running and write .demo/env.sh
  --stop             stop a platform left running by --keep`;

function parseArgs(argv: readonly string[]): DemoArgs {
  let platform = 'waqiti';
  let keep = false;
  let stop = false;
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--keep') keep = true;
    else if (a === '--stop') stop = true;
    else if (a === '--platform') platform = argv[++i] ?? '';
    else if (a.startsWith('--platform=')) platform = a.slice('--platform='.length);
    else if (a === '--help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else problems.push(`unknown argument "${a}"`);
  }
  if (!PLATFORMS.some((p) => p.name === platform)) problems.push(`--platform: no platform "${platform}" (known: ${PLATFORMS.map((p) => p.name).join(', ')})`);
  if (keep && stop) problems.push('--keep and --stop cannot be combined');
  if (problems.length) {
    process.stderr.write(`${problems.map((p) => `demo: ${p}`).join('\n')}\n${USAGE}\n`);
    process.exit(2);
  }
  return { platform, keep, stop };
}

const out = (line = '') => process.stdout.write(`${line}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Runs one numbered step, printing its title, then its result line and duration. */
function stepper(total: number) {
  let n = 0;
  const timings: Array<{ step: string; ms: number }> = [];
  return {
    timings,
    async run<T>(label: string, title: string, fn: () => Promise<T>, summary: (r: T) => string): Promise<T> {
      n++;
      out(`[${n}/${total}] ${title}`);
      const t = Date.now();
      const r = await fn();
      const ms = Date.now() - t;
      timings.push({ step: label, ms });
      out(`      ${summary(r)} (${secs(ms)})`);
      return r;
    },
  };
}

/** The synthesized access report as a terminal table: one row per grant. */
function renderMatrix(report: AccessReport): string[] {
  const rows: string[][] = [];
  for (const e of report.entries) {
    e.grants.forEach((g, i) => {
      rows.push(i === 0 ? [e.subject, e.role ?? '-', e.serviceAccounts.join(',') || '-', g.path, g.capabilities.join(',')] : ['', '', '', g.path, g.capabilities.join(',')]);
    });
  }
  const head = ['subject', 'vault role', 'service accounts', 'path', 'capabilities'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]) => `  ${r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()}`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ...report.flags.map((f) => `  ${f}`)];
}

function renderProofs(proofs: readonly ServiceProof[]): string[] {
  return proofs.flatMap((p) => [
    `  ${p.service}: ${p.login}`,
    `    ${p.own.method} /v1/${p.own.path}  →  ${p.own.status} ${p.own.status === 200 ? 'allowed (its own secret)' : 'UNEXPECTED'}`,
    `    ${p.neighbour.method} /v1/${p.neighbour.path}  →  ${p.neighbour.status} ${p.neighbour.status === 403 ? `denied (${p.neighbour.owner}'s secret)` : 'UNEXPECTED'}`,
  ]);
}

/** Number of resource instances in a local state file. */
function stateResourceCount(file: string): number {
  const state = JSON.parse(readFileSync(file, 'utf8')) as { resources?: Array<{ mode: string; instances: unknown[] }> };
  return (state.resources ?? []).filter((r) => r.mode === 'managed').reduce((n, r) => n + r.instances.length, 0);
}

/** `.demo/env.sh`: the kept server's address, an operator token for it, tools on PATH, stack variables. */
function writeEnvSh(addr: string, token: string, caFile: string): string {
  const tc = loadToolchainEnv();
  const pathDirs = [tc.VSP_BAO_BIN, tc.VSP_KUBECTL_BIN].filter((b) => b && existsSync(b)).map((b) => dirname(b));
  const file = join(DEMO_DIR, 'env.sh');
  writeFileSync(
    file,
    [
      '# Written by `npm run demo -- --keep`; `npm run demo -- --stop` stops the platform and removes this file.',
      '# VAULT_TOKEN is an operator token of the local OpenBao at VAULT_ADDR only (24 h); it is valid nowhere else.',
      `. ${join(toolchainDir(), 'env.sh')}`,
      `export VAULT_ADDR=${addr}`,
      `export VAULT_TOKEN=${token}`,
      'export BAO_ADDR="$VAULT_ADDR" BAO_TOKEN="$VAULT_TOKEN"',
      'export TF_VAR_vault_address="$VAULT_ADDR"',
      `export TF_VAR_kubernetes_ca_cert="$(cat ${caFile})"`,
      ...(pathDirs.length ? [`export PATH="${[...new Set(pathDirs)].join(':')}:$PATH"`] : []),
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return file;
}

async function demo(args: DemoArgs): Promise<void> {
  const started = Date.now();
  const platform = validatePlatforms([...PLATFORMS]).find((p) => p.name === args.platform)!;
  const plan = planPlatform(platform, 'local');
  const stackPattern = `${platform.name}-local-*`;
  const vaultStack = `${platform.name}-local-vault-config`;

  if (args.keep && readKeptPlatform()) throw new Error(`a kept demo platform is already running (${relative(PROJECT_ROOT, DEMO_DIR)}/platform.json); run \`npm run demo -- --stop\` first`);
  // --keep deploys into the project's own cdktf.out and state/, so the README's commands see it.
  const work = args.keep ? PROJECT_ROOT : mkdtempSync(join(tmpdir(), 'vsp-demo-'));
  const outputDir = join(work, 'cdktf.out');
  const stateFile = join(work, 'state', `${vaultStack}.tfstate`);
  if (args.keep && existsSync(stateFile)) {
    throw new Error(`${relative(PROJECT_ROOT, stateFile)} already exists (a deploy to another Vault?). Move it away, then run the demo again.`);
  }
  if (args.keep) mkdirSync(DEMO_DIR, { recursive: true });
  const logDir = args.keep ? DEMO_DIR : work;
  const cdktfLog = join(logDir, 'cdktf.log');

  out(`vault-secrets-platform demo: ${platform.displayName}, environment local${args.keep ? ' (--keep)' : ''}`);
  const steps = stepper(6);
  let handedOver = false;
  let server: OpenBaoServer | undefined;
  try {
    await steps.run(
      'tools',
      'Tools: OpenTofu, OpenBao, vault and random providers',
      async () => {
        const missing = missingTools();
        if (missing.length === 0) return 'cached';
        out(`      missing: ${missing.join(', ')}; running scripts/toolchain.sh`);
        await buildToolchain((l) => out(`      | ${l}`));
        const still = missingTools();
        if (still.length) throw new Error(`still missing after scripts/toolchain.sh: ${still.join(', ')}`);
        return 'built';
      },
      (r) => `${r} in ${toolchainDir()}`,
    );

    server = await steps.run(
      'openbao',
      'OpenBao on 127.0.0.1 (file storage, initialised and unsealed, audit devices allowed; not dev mode)',
      () => startOpenBao(args.keep ? { dataDir: join(DEMO_DIR, 'openbao') } : {}),
      (s) => `${s.addr}, storage in ${s.dataDir}`,
    );
    if (args.keep) writeCredentialsFile(server);
    const bao = server;
    const stackEnv = await localStackEnv(bao);

    await steps.run(
      'deploy',
      `cdktf deploy '${stackPattern}' --auto-approve --skip-provider-lock`,
      async () => {
        await runCdktf(['deploy', stackPattern, '--auto-approve'], { output: outputDir, logFile: cdktfLog, env: { ...stackEnv, VSP_ONLY: `${platform.name}-local` }, viaNpx: false });
        return stateResourceCount(stateFile);
      },
      (n) => `${n} resources in ${relative(PROJECT_ROOT, stateFile).startsWith('..') ? stateFile : relative(PROJECT_ROOT, stateFile)}; cdktf output in ${cdktfLog}`,
    );

    const reportFile = join(outputDir, 'stacks', vaultStack, 'access-report.json');
    const report = await steps.run(
      'matrix',
      'Who can read what (the access report cdktf synthesized next to the stack)',
      async () => JSON.parse(readFileSync(reportFile, 'utf8')) as AccessReport,
      (r) => `${r.entries.length} subjects, ${r.entries.reduce((n, e) => n + e.grants.length, 0)} grants on mount ${r.mount}/`,
    );
    renderMatrix(report).forEach((l) => out(l));

    const proofs = await steps.run(
      'proof',
      'Proving it live: each service reads its own secret and is refused a neighbour\'s (paths and statuses only)',
      async () => {
        out('      no Kubernetes API server runs here, so Kubernetes auth cannot review a service-account token:');
        out("      each service logs in with a token created with exactly its role's policies and TTL, as a Kubernetes login would return");
        const p = await proveAccess(bao.addr, plan, tokenWithRolePolicies(bao.addr, bao.rootToken), 3);
        renderProofs(p).forEach((l) => out(l));
        if (p.length < 2 || p.some((x) => !x.ok)) throw new Error('the live access check did not match the matrix');
        return p;
      },
      (p) => `${p.length} services: own secret 200, neighbour's 403`,
    );
    void proofs;

    if (args.keep) {
      await steps.run(
        'handover',
      'Handing the platform over (OpenBao restarted detached, same storage)',
        async () => {
          await bao.stop();
          const baoBin = loadToolchainEnv().VSP_BAO_BIN;
          const detached = await startDetachedOpenBao(baoBin, bao.dataDir);
          const processes: KeptProcess[] = [detached.process];
          writeKeptPlatform({ platform: platform.name, startedAt: new Date().toISOString(), processes, created: [stateFile] });
          const tokenRes = await fetch(`${detached.addr}/v1/auth/token/create`, {
            method: 'POST',
            headers: { 'x-vault-token': bao.rootToken, 'content-type': 'application/json' },
            body: JSON.stringify({ policies: ['root'], ttl: '24h', display_name: 'demo-operator', no_parent: true }),
          });
          const token = ((await tokenRes.json()) as { auth?: { client_token?: string } }).auth?.client_token;
          if (tokenRes.status !== 200 || !token) throw new Error(`could not create the operator token (HTTP ${tokenRes.status})`);
          const caFile = join(DEMO_DIR, 'kubernetes-ca.pem');
          writeFileSync(caFile, stackEnv.TF_VAR_kubernetes_ca_cert, { mode: 0o644 });
          return { env: writeEnvSh(detached.addr, token, caFile), pid: detached.process.pid };
        },
        (r) => `OpenBao pid ${r.pid}; ${relative(PROJECT_ROOT, r.env)} written`,
      );
      server = undefined;
      handedOver = true;
      out();
      out('The platform is running. Use it from this folder:');
      out('  . .demo/env.sh                                   # VAULT_ADDR, VAULT_TOKEN (this server only), bao on PATH, stack variables');
      out(`  bao kv metadata get ${plan.mount}/${plan.generated[0]?.secret.path ?? ''}             # metadata only`);
      out(`  bao policy read ${plan.services[0].policy.name}`);
      out(`  npx cdktf diff ${vaultStack} --skip-provider-lock   # no changes: the demo deployed it`);
      out('  npm run demo -- --stop                           # stop it and remove .demo/ and its state');
    } else {
      await steps.run(
        'stop',
      'Stopping everything the demo started',
        async () => {
          await bao.stop();
          server = undefined;
          rmSync(work, { recursive: true, force: true });
        },
        () => 'OpenBao stopped, state and storage removed',
      );
    }
    out();
    out(`Total ${secs(Date.now() - started)}: ${steps.timings.map((t) => `${t.step} ${secs(t.ms)}`).join(', ')}`);
  } finally {
    if (server) await server.stop();
    if (!args.keep) rmSync(work, { recursive: true, force: true });
    else if (!handedOver) {
      // A --keep run that failed leaves nothing behind either.
      rmSync(DEMO_DIR, { recursive: true, force: true });
      rmSync(stateFile, { force: true });
    }
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.stop) {
    out('Stopping the kept demo platform');
    await stopKeptPlatform((l) => out(l));
    return;
  }
  await demo(args);
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
