/**
 * `npm run bench`, section 7: AWS.
 *  - the aws provider's cold build time (timings.json, written by scripts/toolchain.sh; one entry per
 *    build variant that was measured here: the trimmed service list, and `-full` if it was built) and
 *    the size of the binary in the mirror. A warm run finds the stamp and costs no build (section 4);
 *  - `tofu apply` of WAQITI prod's backup layer to moto, then the no-op plan that follows (wall time
 *    of each tofu process);
 *  - `npm run restore` of one secret destroyed in a real OpenBao, from the backup in moto (3 runs).
 */
import { PutSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planPlatform } from '../config/plan';
import { PLATFORMS } from '../config/platforms';
import { MOTO_CREDENTIALS, startMoto } from '../scripts/lib/moto';
import { applyToMoto, initForMoto, planOnMoto } from '../scripts/lib/moto-stack';
import { startOpenBao } from '../scripts/lib/openbao';
import { loadToolchainEnv, toolchainDir } from '../scripts/lib/toolchain-env';

const ROOT = join(__dirname, '..');

/** Seconds, two decimals. */
const s2 = (ms: number) => (ms / 1000).toFixed(2);

/** Runs section 6, printing with `out`; returns the figures for bench/results.json. */
export async function benchAws(out: (line?: string) => void): Promise<Record<string, unknown>> {
  const results: Record<string, unknown> = {};
  out('7. AWS: aws provider build, backup layer on moto, restore');

  const timingsFile = join(toolchainDir(), 'timings.json');
  const timings: Record<string, number> = existsSync(timingsFile) ? JSON.parse(readFileSync(timingsFile, 'utf8')) : {};
  const builds = Object.entries(timings).filter(([k]) => k.startsWith('provider-aws-'));
  const mirror = loadToolchainEnv().VSP_PROVIDER_MIRROR;
  const binaries = spawnSync('sh', ['-c', `ls ${mirror}/registry.opentofu.org/hashicorp/aws/*/linux_amd64/terraform-provider-aws_v*`], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  results.providerBuilds = Object.fromEntries(builds);
  results.providerBinaries = binaries.map((b) => ({ path: b, mb: Math.round(statSync(b).size / 1048576) }));
  out(builds.length ? builds.map(([k, v]) => `cold build ${k}: ${v} s (${(v / 60).toFixed(1)} min)`).join('\n') : `no provider-aws-* entry in ${timingsFile}`);
  for (const b of results.providerBinaries as Array<{ path: string; mb: number }>) out(`binary ${b.path.split('/').slice(-4, -2).join(' ')}: ${b.mb} MB`);
  out('warm: the stamp is found and nothing is built (see section 4)');

  const platform = PLATFORMS.find((p) => p.name === 'waqiti')!;
  const plan = planPlatform(platform, 'prod');
  const work = mkdtempSync(join(tmpdir(), 'vsp-bench-aws-'));
  const outdir = join(work, 'cdktf.out');
  const { app } = JSON.parse(readFileSync(join(ROOT, 'cdktf.json'), 'utf8')) as { app: string };
  const synth = spawnSync(app, { shell: true, cwd: ROOT, encoding: 'utf8', env: { ...process.env, CHECKPOINT_DISABLE: '1', CDKTF_OUTDIR: outdir, VSP_ONLY: 'waqiti-prod' } });
  if (synth.status !== 0) throw new Error(`synth failed: ${synth.stderr.slice(-500)}`);
  const moto = await startMoto({ accountId: plan.env.aws.accountId });
  const bao = await startOpenBao();
  try {
    const dir = join(outdir, 'stacks', 'waqiti-prod-backup');
    await initForMoto(dir, moto, work);
    const apply = await applyToMoto(dir);
    const noop = await planOnMoto(dir, join(work, 'noop.tfplan'));
    results.backupApplyS = apply.ms / 1000;
    results.backupNoopPlanS = noop.ms / 1000;
    results.backupNoopPlanEmpty = noop.exitCode === 0;
    out(`waqiti-prod-backup on moto (${plan.backup!.secrets.length} backups, ${plan.env.aws.replicaRegions.length} replica regions): apply ${s2(apply.ms)} s, no-op plan ${s2(noop.ms)} s (${noop.exitCode === 0 ? 'empty' : `NOT empty: ${noop.changes.join(', ')}`})`);

    const secret = plan.backup!.secrets.find((s) => s.path === 'auth') ?? plan.backup!.secrets[0];
    const doc = Object.fromEntries(secret.keys.map((k) => [k, randomBytes(24).toString('base64url')]));
    const sm = new SecretsManagerClient({ region: plan.env.aws.primaryRegion, endpoint: moto.endpoint, credentials: { ...MOTO_CREDENTIALS } });
    await sm.send(new PutSecretValueCommand({ SecretId: `waqiti/backup/${secret.path}`, SecretString: JSON.stringify(doc) }));
    const vault = async (method: string, path: string, body?: unknown) =>
      fetch(`${bao.addr}/v1/${path}`, { method, headers: { 'x-vault-token': bao.rootToken, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    await vault('POST', `sys/mounts/${plan.mount}`, { type: 'kv', options: { version: '2' } });
    const runs: number[] = [];
    for (let i = 0; i < 3; i++) {
      await vault('DELETE', `${plan.mount}/metadata/${secret.path}`);
      const t0 = Date.now();
      const r = spawnSync('npm', ['run', '--silent', 'restore', '--', '--platform', 'waqiti', '--env', 'prod', '--secret', secret.path], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, ...moto.clientEnv(plan.env.aws.primaryRegion), VAULT_ADDR: bao.addr, VAULT_TOKEN: bao.rootToken },
      });
      runs.push(Date.now() - t0);
      if (r.status !== 0) throw new Error(`restore exited ${r.status}: ${r.stderr.split('\n').filter((l) => !l.startsWith('npm warn')).join(' ')}`);
    }
    const median = [...runs].sort((a, b) => a - b)[1];
    results.restoreS = runs.map((ms) => ms / 1000);
    out(`npm run restore (${secret.path}, destroyed in Vault, from moto): median ${s2(median)} s of 3 (${runs.map(s2).join(', ')}), most of it starting node and tsx`);
  } finally {
    await bao.stop();
    await moto.stop();
    rmSync(work, { recursive: true, force: true });
  }
  out();
  return results;
}
