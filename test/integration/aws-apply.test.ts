/**
 * Both reference platforms' prod unseal and backup layers applied with OpenTofu and the toolchain's
 * aws provider to moto (scripts/lib/moto.ts, with its fixes for moto's multi-Region gaps; see the
 * README, "AWS without AWS"). The shipped cdk.tf.json is untouched: endpoints, fake credentials and a
 * local backend come from the harness's override.tf.json. Then:
 *  - a second plan is empty;
 *  - what exists is read back through the AWS API: key rotation, multi-Region primary and replica
 *    keys, the backups and their replicas under the replica keys, the IAM roles with exactly the
 *    declared trust and inline policies (every `${…arn}` resolved to the ARN AWS reports);
 *  - a plain `tofu destroy` is refused by `prevent_destroy` on every key, backup and the snapshot
 *    bucket, and deletes nothing;
 *  - once a reviewed change drops `prevent_destroy`, a destroy leaves every backup recoverable for its
 *    recovery window and every key pending deletion for its deletion window.
 */
import { GetRoleCommand, GetRolePolicyCommand, ListAttachedRolePoliciesCommand, ListRolePoliciesCommand } from '@aws-sdk/client-iam';
import { DescribeKeyCommand, GetKeyRotationStatusCommand, ListResourceTagsCommand } from '@aws-sdk/client-kms';
import { HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { DescribeSecretCommand, ListSecretsCommand, RestoreSecretCommand } from '@aws-sdk/client-secrets-manager';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { planPlatform } from '../../config/plan';
import { UNSEAL_ACTIONS } from '../../constructs/kms-unseal';
import { MOTO_CREDENTIALS, startMoto, type MotoServer } from '../../scripts/lib/moto';
import { applyToMoto, destroyOnMoto, initForMoto, planOnMoto } from '../../scripts/lib/moto-stack';
import { TofuError } from '../../scripts/lib/tofu';
import { arnResolver, awsClients, parsePolicy, resolvePolicy } from '../support/aws';
import { runApp } from '../support/run-app';
import { platformNamed } from '../support/synth';

jest.setTimeout(900_000);

const DAY_MS = 86_400_000;

/** The reviewed change the README asks for before removing protected resources: no `prevent_destroy` left. */
function dropPreventDestroy(file: string): void {
  const tf = JSON.parse(readFileSync(file, 'utf8'));
  for (const byId of Object.values<Record<string, any>>(tf.resource)) {
    for (const body of Object.values(byId)) if (body.lifecycle) delete body.lifecycle.prevent_destroy;
  }
  writeFileSync(file, JSON.stringify(tf, null, 2));
}

describe.each(['waqiti', 'pea-forecast'])('%s prod: unseal and backup layers on moto', (name) => {
  const platform = platformNamed(name);
  const plan = planPlatform(platform, 'prod');
  const { aws } = plan.env;
  const synth = runApp({ VSP_ONLY: `${name}-prod` });
  const dirOf = (layer: string) => join(synth.outdir, 'stacks', `${name}-prod-${layer}`);
  const tfOf = (layer: string) => JSON.parse(readFileSync(join(dirOf(layer), 'cdk.tf.json'), 'utf8'));
  const work = mkdtempSync(join(tmpdir(), 'vsp-aws-apply-'));
  const critical = plan.backup!.secrets.map((s) => s.path).sort();
  let moto: MotoServer;
  const secondPlans: Record<string, { exitCode: number; changes: string[] }> = {};

  beforeAll(async () => {
    moto = await startMoto({ accountId: aws.accountId });
    for (const layer of ['unseal', 'backup']) {
      await initForMoto(dirOf(layer), moto, work);
      await applyToMoto(dirOf(layer));
      secondPlans[layer] = await planOnMoto(dirOf(layer), join(work, `${layer}.tfplan`));
    }
  });
  afterAll(async () => {
    await moto?.stop();
    rmSync(work, { recursive: true, force: true });
    rmSync(join(synth.outdir, '..'), { recursive: true, force: true });
  });

  it('synthesized, and prod has replica regions to test', () => {
    expect(synth.status).toBe(0);
    expect(aws.replicaRegions.length).toBeGreaterThan(0);
    expect(critical.length).toBeGreaterThan(0);
  });

  it.each(['unseal', 'backup'])('%s: the second plan is empty', (layer) => {
    expect(secondPlans[layer]).toEqual({ exitCode: 0, changes: [], ms: expect.any(Number) });
  });

  /** Exactly the declared inline policies (references resolved), no managed policy, the declared trust. */
  async function expectRoleAsDeclared(layer: string): Promise<void> {
    const tf = tfOf(layer);
    const resolve = arnResolver(tf, moto, aws.primaryRegion);
    const { iam } = awsClients(moto, aws.primaryRegion);
    const roles = Object.entries<any>(tf.resource.aws_iam_role);
    expect(roles.length).toBeGreaterThan(0);
    for (const [roleId, role] of roles) {
      const got = (await iam.send(new GetRoleCommand({ RoleName: role.name }))).Role!;
      expect(parsePolicy(got.AssumeRolePolicyDocument)).toEqual(JSON.parse(role.assume_role_policy));
      const declared = Object.values<any>(tf.resource.aws_iam_role_policy ?? {}).filter((p) => p.role === `\${aws_iam_role.${roleId}.id}`);
      const names = (await iam.send(new ListRolePoliciesCommand({ RoleName: role.name }))).PolicyNames ?? [];
      expect([...names].sort()).toEqual(declared.map((p) => p.name).sort());
      expect((await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: role.name }))).AttachedPolicies ?? []).toEqual([]);
      for (const p of declared) {
        const doc = (await iam.send(new GetRolePolicyCommand({ RoleName: role.name, PolicyName: p.name }))).PolicyDocument;
        expect(parsePolicy(doc)).toEqual(await resolvePolicy(JSON.parse(p.policy), resolve));
      }
    }
  }

  it('unseal: the key rotates, is single-Region and enabled; the role may only Encrypt, Decrypt and DescribeKey on it, assumed by Vault only', async () => {
    const { kms, iam } = awsClients(moto, aws.primaryRegion);
    const key = (await kms.send(new DescribeKeyCommand({ KeyId: `alias/${name}-prod-vault-unseal` }))).KeyMetadata!;
    expect(key).toMatchObject({ Enabled: true, KeyState: 'Enabled', KeyManager: 'CUSTOMER', KeyUsage: 'ENCRYPT_DECRYPT' });
    // AWS answers MultiRegion: false; moto leaves it out for a key created without the flag.
    expect(key.MultiRegion ?? false).toBe(false);
    expect(key.Arn).toMatch(new RegExp(`^arn:aws:kms:${aws.primaryRegion}:${aws.accountId}:key/`));
    expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }))).KeyRotationEnabled).toBe(true);
    const tags = (await kms.send(new ListResourceTagsCommand({ KeyId: key.KeyId }))).Tags ?? [];
    expect(Object.fromEntries(tags.map((t) => [t.TagKey, t.TagValue]))).toMatchObject({ platform: name, environment: 'prod', 'managed-by': 'vault-secrets-platform' });
    const policy = parsePolicy((await iam.send(new GetRolePolicyCommand({ RoleName: `${name}-prod-vault-unseal`, PolicyName: 'vault-unseal' }))).PolicyDocument);
    const allows = policy.Statement.filter((s: any) => s.Effect === 'Allow');
    expect(allows.flatMap((s: any) => [s.Action].flat()).sort()).toEqual([...UNSEAL_ACTIONS].sort());
    expect(allows.flatMap((s: any) => [s.Resource].flat())).toEqual(allows.map(() => key.Arn));
    const trust = parsePolicy((await iam.send(new GetRoleCommand({ RoleName: `${name}-prod-vault-unseal` }))).Role!.AssumeRolePolicyDocument);
    expect(trust.Statement[0].Condition.StringEquals[`${aws.oidcProvider}:sub`]).toBe(`system:serviceaccount:${platform.vault.namespace}:vault`);
    await expectRoleAsDeclared('unseal');
  });

  it('backup: a rotating multi-Region primary key with one replica per replica region', async () => {
    const { kms } = awsClients(moto, aws.primaryRegion);
    const key = (await kms.send(new DescribeKeyCommand({ KeyId: `alias/${name}-prod-secrets-backup` }))).KeyMetadata!;
    expect(key).toMatchObject({ Enabled: true, MultiRegion: true, KeyManager: 'CUSTOMER' });
    expect(key.MultiRegionConfiguration?.MultiRegionKeyType).toBe('PRIMARY');
    expect(key.KeyId).toMatch(/^mrk-/);
    expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: key.KeyId }))).KeyRotationEnabled).toBe(true);
    expect(key.MultiRegionConfiguration!.ReplicaKeys!.map((r) => r.Region).sort()).toEqual([...aws.replicaRegions].sort());
    for (const region of aws.replicaRegions) {
      const replica = (await awsClients(moto, region).kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!;
      expect(replica.Arn).toBe(`arn:aws:kms:${region}:${aws.accountId}:key/${key.KeyId}`);
      expect(replica).toMatchObject({ Enabled: true, MultiRegion: true, Description: `Secrets Manager backup replica for ${name}-prod` });
      expect(replica.MultiRegionConfiguration).toMatchObject({ MultiRegionKeyType: 'REPLICA', PrimaryKey: { Arn: key.Arn, Region: aws.primaryRegion } });
      const tags = (await awsClients(moto, region).kms.send(new ListResourceTagsCommand({ KeyId: key.KeyId }))).Tags ?? [];
      expect(Object.fromEntries(tags.map((t) => [t.TagKey, t.TagValue]))).toMatchObject({ platform: name, environment: 'prod' });
    }
    // Reading the replicas did not turn the primary into a replica (moto gap 2).
    expect((await kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!.MultiRegionConfiguration!.MultiRegionKeyType).toBe('PRIMARY');
  });

  it('backup: exactly one backup per critical secret, under the backup key, replicated under each replica key', async () => {
    const { kms, sm } = awsClients(moto, aws.primaryRegion);
    const keyArn = (await kms.send(new DescribeKeyCommand({ KeyId: `alias/${name}-prod-secrets-backup` }))).KeyMetadata!.Arn!;
    const listed = (await sm.send(new ListSecretsCommand({ MaxResults: 100 }))).SecretList ?? [];
    expect(listed.map((s) => s.Name).sort()).toEqual(critical.map((p) => `${name}/backup/${p}`).sort());
    for (const path of critical) {
      const s = await sm.send(new DescribeSecretCommand({ SecretId: `${name}/backup/${path}` }));
      expect(s.KmsKeyId).toBe(keyArn);
      expect(s.DeletedDate).toBeUndefined();
      expect(Object.fromEntries((s.Tags ?? []).map((t) => [t.Key, t.Value]))).toMatchObject({ 'managed-by': 'external-secrets', 'vault-path': path });
      const replicas = (s.ReplicationStatus ?? []).map((r) => ({ region: r.Region, key: r.KmsKeyId, status: r.Status }));
      expect(replicas.sort((a, b) => a.region!.localeCompare(b.region!))).toEqual(
        [...aws.replicaRegions].sort().map((region) => ({ region, key: keyArn.replace(`:${aws.primaryRegion}:`, `:${region}:`), status: 'InSync' })),
      );
    }
  });

  it('backup: the push role may write exactly these backups with exactly these keys, assumed by the pusher only', async () => {
    const { iam, sm } = awsClients(moto, aws.primaryRegion);
    const roleName = `${name}-prod-secrets-backup-push`;
    const trust = parsePolicy((await iam.send(new GetRoleCommand({ RoleName: roleName }))).Role!.AssumeRolePolicyDocument);
    expect(trust.Statement).toHaveLength(1);
    expect(trust.Statement[0].Condition.StringEquals[`${aws.oidcProvider}:sub`]).toBe(`system:serviceaccount:${plan.backup!.namespace}:${plan.backup!.pusherServiceAccount}`);
    const arns = await Promise.all(critical.map(async (p) => (await sm.send(new DescribeSecretCommand({ SecretId: `${name}/backup/${p}` }))).ARN!));
    const policy = parsePolicy((await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName: 'push-backups' }))).PolicyDocument);
    const secretStatements = policy.Statement.filter((s: any) => [s.Action].flat().some((a: string) => a.startsWith('secretsmanager:')));
    expect(secretStatements.flatMap((s: any) => [s.Resource].flat()).sort()).toEqual([...arns].sort());
    expect(policy.Statement.flatMap((s: any) => [s.Action].flat()).filter((a: string) => a.endsWith('*'))).toEqual([]);
    await expectRoleAsDeclared('backup');
  });

  it('destroy: refused while the keys, the backups and the snapshot bucket are prevent_destroy; nothing is deleted', async () => {
    const protectedAddresses = (layer: string) =>
      Object.entries<Record<string, any>>(tfOf(layer).resource).flatMap(([type, byId]) =>
        Object.entries(byId)
          .filter(([, body]) => body.lifecycle?.prevent_destroy === true)
          .map(([id]) => `${type}.${id}`),
      );
    const declared = ['unseal', 'backup'].flatMap(protectedAddresses);
    const types = new Set(declared.map((a) => a.split('.')[0]));
    expect([...types].sort()).toEqual(['aws_kms_key', 'aws_kms_replica_key', 'aws_s3_bucket', 'aws_secretsmanager_secret']);
    // OpenTofu stops the destroy plan at the first protected instances it meets, so it names some
    // of them, never one that is not protected.
    for (const layer of ['backup', 'unseal']) {
      const err = await destroyOnMoto(dirOf(layer)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TofuError);
      const refused = [...(err as TofuError).stderr.matchAll(/Resource instance\s+(\S+)\s+has prevent_destroy set/g)].map((m) => m[1]);
      expect(refused.length).toBeGreaterThan(0);
      expect(refused.filter((a) => !protectedAddresses(layer).includes(a))).toEqual([]);
    }
    const bucket = Object.values<any>(tfOf('backup').resource.aws_s3_bucket)[0].bucket as string;
    const s3 = new S3Client({ region: aws.primaryRegion, endpoint: moto.endpoint, forcePathStyle: true, credentials: { ...MOTO_CREDENTIALS } });
    await expect(s3.send(new HeadBucketCommand({ Bucket: bucket }))).resolves.toBeDefined();
    const { kms, sm } = awsClients(moto, aws.primaryRegion);
    const listed = (await sm.send(new ListSecretsCommand({ IncludePlannedDeletion: true, MaxResults: 100 }))).SecretList ?? [];
    expect(listed.map((s) => ({ name: s.Name!, deleted: s.DeletedDate })).sort((a, b) => a.name.localeCompare(b.name))).toEqual(
      critical.map((p) => ({ name: `${name}/backup/${p}`, deleted: undefined })).sort((a, b) => a.name.localeCompare(b.name)),
    );
    for (const alias of [`alias/${name}-prod-vault-unseal`, `alias/${name}-prod-secrets-backup`]) {
      expect((await kms.send(new DescribeKeyCommand({ KeyId: alias }))).KeyMetadata!.KeyState).toBe('Enabled');
    }
  });

  // Destroying takes minutes on moto and runs the same code for both platforms: checked once.
  const destroyCheck = name === 'waqiti' ? it : undefined;
  destroyCheck?.('destroy after a reviewed change drops prevent_destroy: every backup stays recoverable for the recovery window, every key is pending deletion for 30 days', async () => {
    const { kms, sm } = awsClients(moto, aws.primaryRegion);
    const key = (await kms.send(new DescribeKeyCommand({ KeyId: `alias/${name}-prod-secrets-backup` }))).KeyMetadata!;
    for (const layer of ['backup', 'unseal']) dropPreventDestroy(join(dirOf(layer), 'cdk.tf.json'));
    const started = Date.now();
    await destroyOnMoto(dirOf('backup'));
    await destroyOnMoto(dirOf('unseal'));
    const window = plan.env.backupRecoveryWindowDays;
    expect(window).toBe(30);
    const pending = (await sm.send(new ListSecretsCommand({ IncludePlannedDeletion: true, MaxResults: 100 }))).SecretList ?? [];
    expect(pending.map((s) => s.Name).sort()).toEqual(critical.map((p) => `${name}/backup/${p}`).sort());
    for (const s of pending) {
      expect(s.DeletedDate).toBeDefined();
      expect(Math.abs(s.DeletedDate!.getTime() - (started + window * DAY_MS))).toBeLessThan(10 * 60_000);
    }
    await sm.send(new RestoreSecretCommand({ SecretId: pending[0].Name }));
    expect((await sm.send(new DescribeSecretCommand({ SecretId: pending[0].Name }))).DeletedDate).toBeUndefined();
    for (const region of [aws.primaryRegion, ...aws.replicaRegions]) {
      const k = (await awsClients(moto, region).kms.send(new DescribeKeyCommand({ KeyId: key.KeyId }))).KeyMetadata!;
      expect(k.KeyState).toBe('PendingDeletion');
      expect(Math.abs(k.DeletionDate!.getTime() - (started + 30 * DAY_MS))).toBeLessThan(10 * 60_000);
    }
});
});
