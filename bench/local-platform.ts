/**
 * Bench section: the local platform on real components, per reference platform. It measures the
 * cluster's start-to-ready time (etcd, kube-apiserver, kube-controller-manager, CRDs established,
 * ESO healthy), the sync layer's first apply and its no-op plan, and the time from the end of that
 * apply until every ExternalSecret is synced. Figures only; nothing here asserts a time.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planPlatform } from '../config/plan';
import { PLATFORMS } from '../config/platforms';
import { startLocalCluster } from '../scripts/lib/cluster';
import { fillExternalSlots, localKubeEnv, localSyncLayerEnv, localVaultLayerEnv, waitForAllSynced } from '../scripts/lib/local-platform';
import { startOpenBao } from '../scripts/lib/openbao';
import { tofu, tofuInit } from '../scripts/lib/tofu';

const ROOT = join(__dirname, '..');

/** One platform's figures, in seconds. */
export interface LocalPlatformFigures {
  readonly platform: string;
  readonly clusterReadyS: number;
  readonly syncFirstApplyS: number;
  readonly syncNoopPlanS: number;
  readonly applyToSyncedS: number;
  readonly externalSecrets: number;
}

/** Runs the measurements; `out` prints a line. */
export async function benchLocalPlatform(out: (line?: string) => void): Promise<LocalPlatformFigures[]> {
  const figures: LocalPlatformFigures[] = [];
  const app: string = JSON.parse(readFileSync(join(ROOT, 'cdktf.json'), 'utf8')).app;
  for (const platform of PLATFORMS) {
    const name = platform.name;
    const plan = planPlatform(platform, 'local');
    const work = mkdtempSync(join(tmpdir(), `vsp-bench-local-${name}-`));
    const outdir = join(work, 'cdktf.out');
    const synth = spawnSync(app, { shell: true, cwd: ROOT, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1', CDKTF_OUTDIR: outdir, VSP_ONLY: `${name}-local` } });
    if (synth.status !== 0) throw new Error(`synth of ${name}-local failed: ${synth.stderr}`);
    const target = { name, vaultNamespace: platform.vault.namespace };
    const dir = (layer: string) => join(outdir, 'stacks', `${name}-local-${layer}`);
    const state = (layer: string) => join(work, 'state', `${layer}.tfstate`);
    const bao = await startOpenBao();
    const t0 = Date.now();
    const cluster = await startLocalCluster({ contexts: [`${name}-local`], eso: true });
    const clusterReadyS = (Date.now() - t0) / 1000;
    try {
      const apply = async (layer: string, env: Record<string, string>): Promise<number> => {
        await tofuInit(dir(layer), state(layer), env);
        return (await tofu(['apply', '-auto-approve', '-no-color', '-input=false'], { dir: dir(layer), env })).ms / 1000;
      };
      await apply('cluster', localKubeEnv(cluster, target));
      await apply('vault-config', await localVaultLayerEnv(bao, cluster, target));
      await fillExternalSlots(bao, plan.mount, plan.external);
      const syncEnv = localSyncLayerEnv(bao, cluster, target);
      const syncFirstApplyS = await apply('sync', syncEnv);
      const t1 = Date.now();
      await waitForAllSynced(cluster, plan.syncs.length);
      const applyToSyncedS = (Date.now() - t1) / 1000;
      const noop = await tofu(['plan', '-detailed-exitcode', '-no-color', '-input=false'], { dir: dir('sync'), env: syncEnv });
      figures.push({ platform: name, clusterReadyS, syncFirstApplyS, syncNoopPlanS: noop.ms / 1000, applyToSyncedS, externalSecrets: plan.syncs.length });
    } finally {
      await cluster.stop();
      await bao.stop();
      rmSync(work, { recursive: true, force: true });
    }
  }
  const s2 = (n: number) => n.toFixed(2);
  out('| platform | cluster start-to-ready (s) | sync first apply (s) | sync no-op plan (s) | apply end → all synced (s) | ExternalSecrets |');
  out('| --- | --- | --- | --- | --- | --- |');
  for (const f of figures) out(`| ${f.platform} | ${s2(f.clusterReadyS)} | ${s2(f.syncFirstApplyS)} | ${s2(f.syncNoopPlanS)} | ${s2(f.applyToSyncedS)} | ${f.externalSecrets} |`);
  return figures;
}

// `npx tsx bench/local-platform.ts` runs this section alone.
if (require.main === module) {
  benchLocalPlatform((line = '') => process.stdout.write(`${line}\n`)).catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
