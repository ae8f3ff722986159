/**
 * The backup pipeline end to end on real components: the ESO controller running against a local
 * API server (scripts/lib/cluster.ts) reads every critical secret from OpenBao through the backup
 * reader's own Kubernetes-auth role, and PushSecrets write each one to Secrets Manager in moto, whose
 * containers the backup layer created with OpenTofu.
 *
 * The shipped `local` environment has no AWS layers, so this test composes the same stack classes as
 * `stacks/index.ts` does for cluster environments (local cluster, vault-config, backup, and a sync
 * layer that carries the backup pipeline) for the `local` plan. ESO's AWS provider reaches moto
 * through its own endpoint variables (AWS_STS_ENDPOINT, AWS_SECRETSMANAGER_ENDPOINT); its store
 * authenticates as shipped, with the pusher service account's token (IRSA, AssumeRoleWithWebIdentity).
 * Values are compared by SHA-256 digest and never printed.
 *
 * ESO reconciles more than the value: without the policy and tags declared in the push metadata it
 * would delete the backup secrets' resource policy and untag them (constructs/backup-secret-contract.ts).
 * moto does not enforce IAM, so a push role that lacks those rights would not fail here: the test
 * instead reads the policy and the tags back and plans the backup layer again, which must be empty.
 */
import { DescribeSecretCommand, GetResourcePolicyCommand, GetSecretValueCommand, ListSecretsCommand } from '@aws-sdk/client-secrets-manager';
import { App } from 'cdktf';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planPlatform } from '../../config/plan';
import { startLocalCluster, type LocalCluster } from '../../scripts/lib/cluster';
import { fillExternalSlots, localKubeEnv, localSyncLayerEnv, localVaultLayerEnv, type LocalPlatformTarget } from '../../scripts/lib/local-platform';
import { startMoto, type MotoServer } from '../../scripts/lib/moto';
import { applyToMoto, initForMoto, planOnMoto } from '../../scripts/lib/moto-stack';
import { startOpenBao, type OpenBaoServer } from '../../scripts/lib/openbao';
import { sleep } from '../../scripts/lib/processes';
import { tofu, tofuInit } from '../../scripts/lib/tofu';
import { BackupStack } from '../../stacks/backup-stack';
import { LocalClusterStack } from '../../stacks/local-cluster-stack';
import { SyncStack } from '../../stacks/sync-stack';
import { VaultConfigStack } from '../../stacks/vault-config-stack';
import { awsClients } from '../support/aws';
import { platformNamed, resourcesOf } from '../support/synth';
import { readFileSync } from 'node:fs';

jest.setTimeout(900_000);

const digest = (v: string) => createHash('sha256').update(v).digest('hex');

describe.each(['waqiti', 'pea-forecast'])('%s: critical secrets pushed from Vault to Secrets Manager by ESO', (name) => {
  const platform = platformNamed(name);
  const plan = planPlatform(platform, 'local');
  const backup = plan.backup!;
  const region = plan.env.aws.primaryRegion;
  const target: LocalPlatformTarget = { name, vaultNamespace: platform.vault.namespace };
  const work = mkdtempSync(join(tmpdir(), 'vsp-backup-pipeline-'));
  const outdir = join(work, 'cdktf.out');
  const dirOf = (layer: string) => join(outdir, 'stacks', `${name}-local-${layer}`);
  const statePath = (layer: string) => join(work, 'state', `${name}-local-${layer}.tfstate`);
  let moto: MotoServer;
  let bao: OpenBaoServer;
  let cluster: LocalCluster;
  const savedEnv = { sts: process.env.AWS_STS_ENDPOINT, sm: process.env.AWS_SECRETSMANAGER_ENDPOINT };

  /** The backups as they are in moto: name → document (undefined until pushed). */
  const backups = async (): Promise<Record<string, string | undefined>> => {
    const { sm } = awsClients(moto, region);
    const listed = (await sm.send(new ListSecretsCommand({ MaxResults: 100 }))).SecretList ?? [];
    const out: Record<string, string | undefined> = {};
    for (const s of listed) {
      out[s.Name!] = await sm.send(new GetSecretValueCommand({ SecretId: s.Name })).then(
        (r) => r.SecretString,
        () => undefined,
      );
    }
    return out;
  };

  beforeAll(async () => {
    const app = new App({ outdir });
    const clusterStack = new LocalClusterStack(app, plan);
    const vaultConfig = new VaultConfigStack(app, plan);
    vaultConfig.addDependency(clusterStack);
    const backupStack = new BackupStack(app, plan);
    new SyncStack(app, plan, backupStack).addDependency(vaultConfig);
    app.synth();

    moto = await startMoto({ accountId: plan.env.aws.accountId });
    // ESO inherits this process's environment: its STS and Secrets Manager clients go to moto.
    process.env.AWS_STS_ENDPOINT = moto.endpoint;
    process.env.AWS_SECRETSMANAGER_ENDPOINT = moto.endpoint;
    [bao, cluster] = await Promise.all([startOpenBao(), startLocalCluster({ contexts: [`${name}-local`], eso: true })]);

    await initForMoto(dirOf('backup'), moto);
    await applyToMoto(dirOf('backup'));
    const layers: Array<[string, () => Promise<Record<string, string>>]> = [
      ['cluster', async () => localKubeEnv(cluster, target)],
      ['vault-config', () => localVaultLayerEnv(bao, cluster, target)],
      ['sync', async () => localSyncLayerEnv(bao, cluster, target)],
    ];
    for (const [layer, envOf] of layers) {
      if (layer === 'sync') await fillExternalSlots(bao, plan.mount, plan.external);
      const env = await envOf();
      await tofuInit(dirOf(layer), statePath(layer), env);
      await tofu(['apply', '-auto-approve', '-no-color', '-input=false'], { dir: dirOf(layer), env });
    }
  });

  afterAll(async () => {
    await cluster?.stop();
    await bao?.stop();
    await moto?.stop();
    process.env.AWS_STS_ENDPOINT = savedEnv.sts;
    process.env.AWS_SECRETSMANAGER_ENDPOINT = savedEnv.sm;
    if (savedEnv.sts === undefined) delete process.env.AWS_STS_ENDPOINT;
    if (savedEnv.sm === undefined) delete process.env.AWS_SECRETSMANAGER_ENDPOINT;
    rmSync(work, { recursive: true, force: true });
  });

  it('every critical secret arrives as one JSON document of exactly its declared keys and Vault\'s values; nothing else is pushed', async () => {
    const expected = backup.secrets.map((s) => `${name}/backup/${s.path}`).sort();
    const deadline = Date.now() + 240_000;
    let seen: Record<string, string | undefined> = {};
    while (Date.now() < deadline) {
      seen = await backups();
      if (expected.every((n) => seen[n] !== undefined)) break;
      await sleep(2000);
    }
    expect(Object.keys(seen).sort()).toEqual(expected);
    expect(expected.filter((n) => seen[n] === undefined)).toEqual([]);
    for (const s of backup.secrets) {
      const doc = JSON.parse(seen[`${name}/backup/${s.path}`]!) as Record<string, string>;
      expect(Object.keys(doc).sort()).toEqual([...s.keys].sort());
      const r = await fetch(`${bao.addr}/v1/${plan.mount}/data/${s.path}`, { headers: { 'x-vault-token': bao.rootToken } });
      const inVault = ((await r.json()) as { data: { data: Record<string, string> } }).data.data;
      for (const k of s.keys) expect({ path: s.path, key: k, digest: digest(doc[k]) }).toEqual({ path: s.path, key: k, digest: digest(inVault[k]) });
    }
    const standard = platform.secrets.filter((s) => s.criticality !== 'critical').map((s) => `${name}/backup/${s.path}`);
    expect(standard.length).toBeGreaterThan(0);
    expect(standard.filter((n) => n in seen)).toEqual([]);
  });

  it('leaves each backup secret with the resource policy and tags the backup layer gave it, so its next plan is empty', async () => {
    const tf = JSON.parse(readFileSync(join(dirOf('backup'), 'cdk.tf.json'), 'utf8'));
    const declaredPolicy = new Set(resourcesOf(tf, 'aws_secretsmanager_secret_policy').map((p) => p.policy as string));
    expect(declaredPolicy.size).toBe(1);
    const [policy] = [...declaredPolicy];
    const { sm } = awsClients(moto, region);
    for (const s of resourcesOf(tf, 'aws_secretsmanager_secret')) {
      const current = await sm.send(new GetResourcePolicyCommand({ SecretId: s.name }));
      expect({ secret: s.name, policy: JSON.parse(current.ResourcePolicy ?? 'null') }).toEqual({ secret: s.name, policy: JSON.parse(policy) });
      const described = await sm.send(new DescribeSecretCommand({ SecretId: s.name }));
      const tags = Object.fromEntries((described.Tags ?? []).map((t) => [t.Key, t.Value]));
      expect({ secret: s.name, tags }).toEqual({ secret: s.name, tags: { ...s.tags, 'managed-by': 'external-secrets' } });
      expect(described.VersionIdsToStages && Object.keys(described.VersionIdsToStages)).toHaveLength(1);
    }
    const again = await planOnMoto(dirOf('backup'), join(work, 'backup-again.tfplan'));
    expect(again.changes).toEqual([]);
    expect(again.exitCode).toBe(0);
  });

  it('runs one PushSecret per critical secret, each synced, through the shipped IRSA store', async () => {
    const list = JSON.parse(await cluster.kubectl(['get', 'pushsecrets.external-secrets.io', '-n', backup.namespace, '-o', 'json'])) as {
      items: Array<{ metadata: { name: string }; status?: { conditions?: Array<{ type: string; status: string; reason?: string }> } }>;
    };
    expect(list.items).toHaveLength(backup.secrets.length);
    for (const p of list.items) {
      const ready = p.status?.conditions?.find((c) => c.type === 'Ready');
      expect({ name: p.metadata.name, ready: ready?.status, reason: ready?.reason }).toEqual({ name: p.metadata.name, ready: 'True', reason: 'Synced' });
    }
    const store = JSON.parse(await cluster.kubectl(['get', 'secretstores.external-secrets.io', 'aws-backup', '-n', backup.namespace, '-o', 'json']));
    expect(store.spec.provider.aws.auth).toEqual({ jwt: { serviceAccountRef: { name: backup.pusherServiceAccount } } });
  });
});
