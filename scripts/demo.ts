/**
 * `npm run demo`: the whole local platform in one command.
 *
 *   npm run demo                          build missing tools, start everything, deploy, prove, stop
 *   npm run demo -- --platform pea-forecast
 *   npm run demo -- --keep                leave it running; writes .demo/env.sh
 *   npm run demo -- --stop                stop a kept platform (by its recorded PIDs)
 *   npm run demo -- --no-cluster          OpenBao only (no API server, no ESO)
 *
 * Steps: tools from the cache (scripts/toolchain.sh builds what is missing); a local Kubernetes API
 * server (etcd + kube-apiserver) and the ESO controller; a real OpenBao on 127.0.0.1 (file storage
 * in a fresh folder, initialised and unsealed, audit devices allowed; not dev mode); the `local`
 * stacks deployed in order with `cdktf deploy ... --auto-approve --skip-provider-lock` through the
 * CLI (cluster, then vault-config with a real token-reviewer JWT, then sync); the who-can-read-what
 * matrix cdktf wrote next to the stack; the matrix proven live: three services log in with
 * Kubernetes auth using real service-account tokens (TokenRequest, audience `vault`), each reads its
 * own secret (200) and is refused a neighbour's (403); the Secrets ESO synced (names and key names)
 * and one sync Vault refuses. Only paths, names and HTTP statuses are printed, never a value or token.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import type { AccessReport } from '../config/access-report';
import { planPlatform } from '../config/plan';
import { PLATFORMS } from '../config/platforms';
import { validatePlatforms } from '../config/validate';
import { kubernetesLogin, proveAccess, refusedSyncPair, tokenWithRolePolicies, type ServiceProof } from './lib/access-proof';
import { startLocalCluster, stopCluster, type LocalCluster } from './lib/cluster';
import { refusedSync, secretExists, syncedSecrets } from './lib/demo-sync';
import { fillExternalSlots, localKubeEnv, localSyncLayerEnv, localVaultLayerEnv, waitForAllSynced, type LocalPlatformTarget } from './lib/local-platform';
import { PROJECT_ROOT, runCdktf } from './lib/cdktf-cli';
import { DEMO_DIR, readKeptPlatform, startDetachedOpenBao, stopKeptPlatform, writeKeptPlatform, type KeptProcess } from './lib/kept-platform';
import { localStackEnv, startOpenBao, writeCredentialsFile, type OpenBaoServer } from './lib/openbao';
import { buildToolchain, LOCAL_VAULT_PROVIDERS, missingTools } from './lib/toolchain-check';
import { loadToolchainEnv, toolchainDir } from './lib/toolchain-env';

/** Parsed command line. */
interface DemoArgs {
  readonly platform: string;
  readonly keep: boolean;
  readonly stop: boolean;
  /** OpenBao only: no local API server, no ESO (logins use tokens with each role's policies). */
  readonly noCluster: boolean;
}

const USAGE = `usage: npm run demo [-- --platform <name>] [-- --keep | --stop]
  --platform <name>  reference platform to deploy (${PLATFORMS.map((p) => p.name).join(', ')}); default waqiti
  --keep             leave the platform running and write .demo/env.sh
  --stop             stop a platform left running by --keep
  --no-cluster       OpenBao only: no local API server or ESO (service logins use tokens with each role's policies)`;

function parseArgs(argv: readonly string[]): DemoArgs {
  let platform = 'waqiti';
  let keep = false;
  let stop = false;
  let noCluster = false;
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--keep') keep = true;
    else if (a === '--stop') stop = true;
    else if (a === '--no-cluster') noCluster = true;
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
  return { platform, keep, stop, noCluster };
}

const out = (line = '') => process.stdout.write(`${line}\n`);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** Runs one numbered step, printing its title, then its result line and duration. */
function stepper(initialTotal: number) {
  let n = 0;
  let total = initialTotal;
  const timings: Array<{ step: string; ms: number }> = [];
  return {
    timings,
    /** Changes the number of steps announced (the cluster steps drop out without the cluster tools). */
    setTotal(t: number): void {
      total = t;
    },
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
    `    ${p.neighbour.method} /v1/${p.neighbour.path}  →  ${p.neighbour.status} ${p.neighbour.status === 403 ? `denied (a secret of ${p.neighbour.owner})` : 'UNEXPECTED'}`,
  ]);
}

/** Number of resource instances in a local state file. */
function stateResourceCount(file: string): number {
  const state = JSON.parse(readFileSync(file, 'utf8')) as { resources?: Array<{ mode: string; instances: unknown[] }> };
  return (state.resources ?? []).filter((r) => r.mode === 'managed').reduce((n, r) => n + r.instances.length, 0);
}

/** What `.demo/env.sh` exports. */
interface EnvShInput {
  readonly addr: string;
  readonly token: string;
  /** TF_VAR_* values of the local stacks (public CA, host; the reviewer JWT of this cluster only). */
  readonly stackVars: Readonly<Record<string, string>>;
  readonly kube?: { readonly kubeconfig: string; readonly context: string };
}

/** `.demo/env.sh`: the kept server's address, an operator token for it, tools on PATH, stack variables. */
function writeEnvSh(e: EnvShInput): string {
  const tc = loadToolchainEnv();
  const pathDirs = [tc.VSP_BAO_BIN, tc.VSP_KUBECTL_BIN].filter((b) => b && existsSync(b)).map((b) => dirname(b));
  const q = (v: string) => `'${v.replace(/'/g, "'\\''")}'`;
  const file = join(DEMO_DIR, 'env.sh');
  writeFileSync(
    file,
    [
      '# Written by `npm run demo -- --keep`; `npm run demo -- --stop` stops the platform and removes this file.',
      '# VAULT_TOKEN is an operator token of the local OpenBao at VAULT_ADDR only (24 h); it is valid nowhere else.',
      `. ${join(toolchainDir(), 'env.sh')}`,
      `export VAULT_ADDR=${e.addr}`,
      `export VAULT_TOKEN=${e.token}`,
      'export BAO_ADDR="$VAULT_ADDR" BAO_TOKEN="$VAULT_TOKEN"',
      'export TF_VAR_vault_address="$VAULT_ADDR"',
      ...Object.entries(e.stackVars).map(([k, v]) => `export ${k}=${q(v)}`),
      ...(e.kube ? [`export KUBECONFIG=${e.kube.kubeconfig}`, `export TF_VAR_kubeconfig_path="$KUBECONFIG" TF_VAR_kube_context=${e.kube.context}`] : []),
      ...(pathDirs.length ? [`export PATH="${[...new Set(pathDirs)].join(':')}:$PATH"`] : []),
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return file;
}

/** Cluster tools (etcd, kube-apiserver, kube-controller-manager, kubectl, ESO and its CRDs, the CRD sources) and the kubernetes provider. */
const CLUSTER_BINS = ['VSP_ETCD_BIN', 'VSP_KUBE_APISERVER_BIN', 'VSP_KUBE_CONTROLLER_MANAGER_BIN', 'VSP_KUBECTL_BIN', 'VSP_ESO_BIN', 'VSP_ESO_CRDS', 'VSP_CRD_PROMETHEUS_DIR', 'VSP_CRD_CERT_MANAGER_DIR', 'VSP_CRD_CSI_DIR'];
const CLUSTER_PROVIDERS = [...LOCAL_VAULT_PROVIDERS, { name: 'kubernetes', version: '3.2.1' }];

async function demo(args: DemoArgs): Promise<void> {
  const started = Date.now();
  const platform = validatePlatforms([...PLATFORMS]).find((p) => p.name === args.platform)!;
  const plan = planPlatform(platform, 'local');
  const stack = (layer: string) => `${platform.name}-local-${layer}`;
  const kubeContext = `${platform.name}-local`;

  if (args.keep && readKeptPlatform()) throw new Error(`a kept demo platform is already running (${relative(PROJECT_ROOT, DEMO_DIR)}/platform.json); run \`npm run demo -- --stop\` first`);
  // --keep deploys into the project's own cdktf.out and state/, so the README's commands see it.
  const work = args.keep ? PROJECT_ROOT : mkdtempSync(join(tmpdir(), 'vsp-demo-'));
  const outputDir = join(work, 'cdktf.out');
  const stateFiles = ['cluster', 'vault-config', 'sync'].map((l) => join(work, 'state', `${stack(l)}.tfstate`));
  const taken = args.keep ? stateFiles.filter((f) => existsSync(f)) : [];
  if (taken.length) throw new Error(`${taken.map((f) => relative(PROJECT_ROOT, f)).join(', ')} already exist(s) (a deploy to another Vault?). Move them away, then run the demo again.`);
  if (args.keep) mkdirSync(DEMO_DIR, { recursive: true });
  const logDir = args.keep ? DEMO_DIR : work;
  const cdktfLog = join(logDir, 'cdktf.log');

  out(`vault-secrets-platform demo: ${platform.displayName}, environment local${args.keep ? ' (--keep)' : ''}`);
  let withCluster = !args.noCluster;
  const steps = stepper(withCluster ? 10 : 6);
  let handedOver = false;
  let server: OpenBaoServer | undefined;
  let cluster: LocalCluster | undefined;
  try {
    await steps.run(
      'tools',
      `Tools: OpenTofu, OpenBao, providers${withCluster ? ', etcd, kube-apiserver, kube-controller-manager, kubectl, the ESO controller' : ''}`,
      async () => {
        const need = () => (withCluster ? missingTools(CLUSTER_BINS, CLUSTER_PROVIDERS) : missingTools());
        const missing = need();
        if (missing.length === 0) return 'cached';
        out(`      missing: ${missing.join(', ')}; running scripts/toolchain.sh`);
        await buildToolchain((l) => out(`      | ${l}`));
        if (missingTools().length) throw new Error(`still missing after scripts/toolchain.sh: ${missingTools().join(', ')}`);
        const still = need();
        if (still.length) {
          out(`      scripts/toolchain.sh could not build ${still.join(', ')}: the demo runs without a Kubernetes cluster`);
          withCluster = false;
          steps.setTotal(6);
        }
        return 'built';
      },
      (r) => `${r} in ${toolchainDir()}`,
    );

    if (withCluster) {
      cluster = await steps.run(
        'cluster',
        'Local Kubernetes control plane (etcd, kube-apiserver, kube-controller-manager on 127.0.0.1, CRDs applied) and the ESO controller',
        () =>
          startLocalCluster({
            contexts: [kubeContext],
            eso: true,
            ...(args.keep ? { dataDir: join(DEMO_DIR, 'cluster'), keep: true, detached: true } : {}),
          }),
        (c) => `${c.server}, ESO running (pids ${Object.entries(c.pids).map(([k, v]) => `${k} ${v}`).join(', ')})`,
      );
    }
    const kube = cluster;

    server = await steps.run(
      'openbao',
      'OpenBao on 127.0.0.1 (file storage, initialised and unsealed, audit devices allowed; not dev mode)',
      () => startOpenBao(args.keep ? { dataDir: join(DEMO_DIR, 'openbao') } : {}),
      (s) => `${s.addr}, storage in ${s.dataDir}`,
    );
    if (args.keep) writeCredentialsFile(server);
    const bao = server;
    const target: LocalPlatformTarget = { name: platform.name, vaultNamespace: platform.vault.namespace };
    const clusterVars: Record<string, string> = kube ? { ...localKubeEnv(kube, target), KUBECONFIG: kube.kubeconfig } : {};
    const cdktfEnvFor = (extra: Record<string, string>) => ({ ...extra, ...clusterVars, VSP_ONLY: `${platform.name}-local` });
    const deploy = async (stacks: string[], env: Record<string, string>, skipSynth: boolean) => {
      await runCdktf(['deploy', ...stacks, '--auto-approve', '--ignore-missing-stack-dependencies', ...(skipSynth ? ['--skip-synth'] : [])], {
        output: outputDir,
        logFile: cdktfLog,
        env: cdktfEnvFor(env),
        viaNpx: false,
      });
    };
    const deployed = (file: string) => `${stateResourceCount(file)} resources`;

    if (kube) {
      await steps.run(
        'deploy cluster',
        `cdktf deploy ${stack('cluster')} (namespaces, token reviewer, monitors, alerts)`,
        () => deploy([stack('cluster')], {}, false),
        () => `${deployed(stateFiles[0])}; cdktf output in ${cdktfLog}`,
      );
    }
    // Kubernetes auth inputs: the local API server's host, CA and a fresh token-reviewer JWT (minted
    // now that the cluster layer created the reviewer); without a cluster, placeholders.
    const stackEnv = kube ? await localVaultLayerEnv(bao, kube, target) : await localStackEnv(bao);

    await steps.run(
      'deploy vault-config',
      `cdktf deploy ${stack('vault-config')} (KV mount, audit, Kubernetes auth and roles, policies, secrets)`,
      () => deploy([stack('vault-config')], stackEnv, kube !== undefined),
      () => `${deployed(stateFiles[1])}${kube ? ', Kubernetes auth aimed at the local API server' : ''}; cdktf output in ${cdktfLog}`,
    );

    if (kube) {
      await steps.run(
        'deploy sync',
        `External slots filled by their "owners", then cdktf deploy ${stack('sync')} (service accounts, SecretStores, ExternalSecrets)`,
        async () => {
          await fillExternalSlots(bao, plan.mount, plan.external);
          await deploy([stack('sync')], { ...stackEnv, ...localSyncLayerEnv(bao, kube, target) }, true);
          return plan.external.length;
        },
        (n) => `${n} external slots filled (values never printed); ${deployed(stateFiles[2])}`,
      );
    }

    const reportFile = join(outputDir, 'stacks', stack('vault-config'), 'access-report.json');
    const report = await steps.run(
      'matrix',
      'Who can read what (the access report cdktf synthesized next to the stack)',
      async () => JSON.parse(readFileSync(reportFile, 'utf8')) as AccessReport,
      (r) => `${r.entries.length} subjects, ${r.entries.reduce((n, e) => n + e.grants.length, 0)} grants on mount ${r.mount}/`,
    );
    renderMatrix(report).forEach((l) => out(l));

    await steps.run(
      'proof',
      "Proving it live: each service reads its own secret and is refused a neighbour's (paths and statuses only)",
      async () => {
        let login;
        if (kube) {
          out('      login: Kubernetes auth with a real service-account token (TokenRequest, audience "vault"), reviewed by the local API server');
          login = kubernetesLogin(bao.addr, (s) => kube.createToken(s.namespace, s.serviceAccounts[0], { audience: plan.env.auth.audience, seconds: 600 }));
        } else {
          out('      no Kubernetes API server runs here, so Kubernetes auth cannot review a service-account token:');
          out("      each service logs in with a token created with exactly its role's policies and TTL, as a Kubernetes login would return");
          login = tokenWithRolePolicies(bao.addr, bao.rootToken);
        }
        const p = await proveAccess(bao.addr, plan, login, 3);
        renderProofs(p).forEach((l) => out(l));
        if (p.length < 2 || p.some((x) => !x.ok)) throw new Error('the live access check did not match the matrix');
        return p;
      },
      (p) => `${p.length} services: own secret 200, neighbour's 403`,
    );

    if (kube) {
      await steps.run(
        'synced',
        'Kubernetes Secrets written by ESO (names and key names only), and a sync Vault refuses',
        async () => {
          await waitForAllSynced(kube, plan.syncs.length);
          const secrets = await syncedSecrets(kube, plan);
          for (const s of secrets) out(`  ${s.namespace}/${s.name}: keys ${s.keys.join(', ')}`);
          if (secrets.length !== plan.syncs.length) throw new Error(`${secrets.length} of ${plan.syncs.length} Secrets were written`);
          // A service that syncs through its own SecretStore, asking for a secret it may not read.
          const pair = refusedSyncPair(plan);
          if (!pair) {
            out(`  no service of ${platform.name} syncs through ESO (its secrets are delivered by the Agent Injector or CSI): no sync to refuse`);
            return `${secrets.length} Secrets synced`;
          }
          const refused = await refusedSync(kube, plan, pair.service.name, pair.path);
          const created = await secretExists(kube, pair.service.namespace, refused.name);
          out(`  refused: ExternalSecret ${refused.namespace}/${refused.name} (store of ${pair.service.name}, asks for ${plan.mount}/data/${pair.path}):`);
          out(`    Ready=${refused.ready} ${refused.reason}: ${refused.message}`);
          out(`    Secret ${refused.namespace}/${refused.name} created: ${created}`);
          if (refused.ready || created) throw new Error('a sync the matrix forbids was not refused');
          return `${secrets.length} Secrets synced, 1 sync refused`;
        },
        (r) => r,
      );
    }

    if (args.keep) {
      await steps.run(
        'handover',
        'Handing the platform over (OpenBao restarted detached on the same storage)',
        async () => {
          await bao.stop();
          const baoBin = loadToolchainEnv().VSP_BAO_BIN;
          const detached = await startDetachedOpenBao(baoBin, bao.dataDir);
          const clusterProcs: KeptProcess[] = kube
            ? Object.entries(kube.pids).map(([name, pid]) => ({ name, pid, cmdline: name === 'eso' ? loadToolchainEnv().VSP_ESO_BIN : kube.dataDir }))
            : [];
          writeKeptPlatform({ platform: platform.name, startedAt: new Date().toISOString(), processes: [...clusterProcs, detached.process], created: stateFiles });
          const tokenRes = await fetch(`${detached.addr}/v1/auth/token/create`, {
            method: 'POST',
            headers: { 'x-vault-token': bao.rootToken, 'content-type': 'application/json' },
            body: JSON.stringify({ policies: ['root'], ttl: '24h', display_name: 'demo-operator', no_parent: true }),
          });
          const token = ((await tokenRes.json()) as { auth?: { client_token?: string } }).auth?.client_token;
          if (tokenRes.status !== 200 || !token) throw new Error(`could not create the operator token (HTTP ${tokenRes.status})`);
          const env = writeEnvSh({
            addr: detached.addr,
            token,
            stackVars: { TF_VAR_kubernetes_host: stackEnv.TF_VAR_kubernetes_host, TF_VAR_kubernetes_ca_cert: stackEnv.TF_VAR_kubernetes_ca_cert, TF_VAR_kubernetes_reviewer_jwt: stackEnv.TF_VAR_kubernetes_reviewer_jwt },
            kube: kube ? { kubeconfig: kube.kubeconfig, context: kubeContext } : undefined,
          });
          return { env, pid: detached.process.pid };
        },
        (r) => `OpenBao pid ${r.pid}${kube ? ', cluster and ESO left running' : ''}; ${relative(PROJECT_ROOT, r.env)} written`,
      );
      server = undefined;
      cluster = undefined;
      handedOver = true;
      out();
      out('The platform is running. Use it from this folder:');
      out('  . .demo/env.sh      # VAULT_ADDR, VAULT_TOKEN (this server only), bao and kubectl on PATH, KUBECONFIG, stack variables');
      out(`  bao kv metadata get ${plan.mount}/${plan.generated[0]?.secret.path ?? ''}     # metadata only`);
      out(`  bao policy read ${plan.services[0].policy.name}`);
      if (kube) out(`  kubectl get externalsecrets -A; kubectl -n ${plan.services[0].namespace} get secrets`);
      out(`  npx cdktf diff ${stack('vault-config')} --skip-provider-lock     # no changes: the demo deployed it`);
      out('  npm run demo -- --stop      # stop it; removes .demo/ and the demo\'s state files');
    } else {
      await steps.run(
        'stop',
        'Stopping everything the demo started',
        async () => {
          await bao.stop();
          server = undefined;
          await kube?.stop();
          cluster = undefined;
          rmSync(work, { recursive: true, force: true });
        },
        () => `OpenBao${kube ? ', ESO, kube-controller-manager, kube-apiserver and etcd' : ''} stopped; state, storage and certificates removed`,
      );
    }
    out();
    out(`Total ${secs(Date.now() - started)}: ${steps.timings.map((t) => `${t.step} ${secs(t.ms)}`).join(', ')}`);
  } finally {
    if (server) await server.stop();
    if (cluster) await cluster.stop();
    if (!args.keep) rmSync(work, { recursive: true, force: true });
    else if (!handedOver) {
      // A --keep run that failed leaves nothing behind either.
      if (existsSync(join(DEMO_DIR, 'cluster'))) await stopCluster(join(DEMO_DIR, 'cluster'));
      rmSync(DEMO_DIR, { recursive: true, force: true });
      for (const f of stateFiles) rmSync(f, { force: true });
    }
  }
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  // Detached (--keep) processes are unref'd and the harnesses' waits use unref'd timers, so without
  // this the event loop could empty out while a step is still waiting, and Node would exit early.
  const keepAlive = setInterval(() => undefined, 1000);
  try {
    await run(args);
  } finally {
    clearInterval(keepAlive);
  }
}

async function run(args: DemoArgs): Promise<void> {
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
