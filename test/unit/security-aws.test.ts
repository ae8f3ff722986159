/**
 * Issue 11, AWS and Vault side: key policies and backup secret policies (finding 2), Consul TLS and
 * ACL token (3), the apply identity and the operator split (8), recovery points (9). One behaviour
 * per test, asserted on the synthesized JSON or the validation result.
 */
import { buildAccessReport } from '../../config/access-report';
import { planPlatform } from '../../config/plan';
import { isProductionGrade } from '../../config/tier';
import { platformIssues } from '../../config/validate';
import type { PlatformConfig } from '../../config/schema';
import { KEY_ADMIN_ACTIONS, KEY_USE_ACTIONS, keyPolicy } from '../../constructs/kms-key-policy';
import { clone, manifestsOf, platformNamed, resourcesOf, synthPlatform } from '../support/synth';

const waqiti = platformNamed('waqiti');
const pea = platformNamed('pea-forecast');
const ADMIN = 'arn:aws:iam::111122223333:role/waqiti-platform-admin';

interface Statement {
  Sid?: string;
  Effect: string;
  Principal: { AWS: string | string[] } | string;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}
const statements = (json: string): Statement[] => JSON.parse(json).Statement;
const principals = (s: Statement): string[] => (typeof s.Principal === 'string' ? [s.Principal] : ([] as string[]).concat(s.Principal.AWS));
const actions = (s: Statement): string[] => ([] as string[]).concat(s.Action);
const issuesAfter = (base: PlatformConfig, mutate: (p: any) => void) => {
  const p = clone(base);
  mutate(p);
  return platformIssues(p);
};

describe('finding 2: KMS key policies', () => {
  const prod = synthPlatform(waqiti, 'prod').stacks;
  const keys = [
    ...resourcesOf(prod.unseal.tf, 'aws_kms_key').map((k) => ['unseal', k] as const),
    ...resourcesOf(prod.backup.tf, 'aws_kms_key').map((k) => ['backup', k] as const),
    ...resourcesOf(prod.backup.tf, 'aws_kms_replica_key').map((k) => ['backup replica', k] as const),
  ];

  it('gives every key and replica key of the unseal and backup layers an explicit policy and prevent_destroy', () => {
    // unseal key, backup key, snapshot key, and one replica per replica region
    expect(keys).toHaveLength(3 + waqiti.environments.prod.aws.replicaRegions.length);
    for (const [, key] of keys) {
      expect(typeof key.policy).toBe('string');
      expect(key.lifecycle).toEqual({ prevent_destroy: true });
    }
  });

  it('lets the named admin administer every key and never use it, and names no account root or wildcard', () => {
    for (const [, key] of keys) {
      const [admin, ...uses] = statements(key.policy);
      expect(admin).toMatchObject({ Sid: 'KeyAdministrationOnly', Effect: 'Allow', Principal: { AWS: ADMIN } });
      expect(actions(admin)).toEqual([...KEY_ADMIN_ACTIONS]);
      for (const a of KEY_USE_ACTIONS) expect(actions(admin)).not.toContain(a);
      expect(actions(admin).some((a) => a.includes('*'))).toBe(false);
      for (const u of uses) {
        expect(principals(u)).not.toContain(ADMIN);
        for (const p of principals(u)) expect(p).not.toMatch(/:root$|^\*$/);
      }
    }
  });

  it('lets only the unseal role use the unseal key, for Encrypt, Decrypt and DescribeKey', () => {
    const [, unseal] = keys.find(([layer]) => layer === 'unseal')!;
    const uses = statements(unseal.policy).slice(1);
    expect(uses).toEqual([{ Sid: 'UnsealOnly', Effect: 'Allow', Principal: { AWS: expect.stringMatching(/^\$\{aws_iam_role\.unseal_role_\w+\.arn\}$/) }, Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey'], Resource: '*' }]);
  });

  it('lets only the push and restore roles use the backup keys, and only through Secrets Manager in their regions', () => {
    const backupKey = resourcesOf(prod.backup.tf, 'aws_kms_key').find((k) => k.tags?.purpose === 'secrets-backup')!;
    const uses = statements(backupKey.policy).slice(1);
    expect(uses.map((u) => u.Sid)).toEqual(['PushThroughSecretsManager', 'RestoreThroughSecretsManager']);
    expect(principals(uses[0])).toEqual([expect.stringMatching(/aws_iam_role\.backups_push-role_\w+\.arn/)]);
    expect(principals(uses[1])).toEqual([expect.stringMatching(/aws_iam_role\.restore_role_\w+\.arn/)]);
    expect(actions(uses[1])).toEqual(['kms:Decrypt', 'kms:DescribeKey']);
    for (const u of uses) expect(u.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'secretsmanager.eu-west-1.amazonaws.com' } });
    for (const replica of resourcesOf(prod.backup.tf, 'aws_kms_replica_key')) {
      const region = JSON.stringify(replica.provider).match(/aws\.([a-z0-9-]+)/)![1];
      const [push, restore] = statements(replica.policy).slice(1);
      expect(push.Condition!.StringEquals['kms:ViaService']).toEqual(['secretsmanager.eu-west-1.amazonaws.com', `secretsmanager.${region}.amazonaws.com`]);
      expect(restore.Condition!.StringEquals['kms:ViaService']).toBe(`secretsmanager.${region}.amazonaws.com`);
    }
  });

  it('refuses a key policy that lets the admin use the key', () => {
    expect(() => keyPolicy({ adminArn: ADMIN, uses: [{ sid: 'X', principals: [ADMIN], actions: ['kms:Decrypt'] }] })).toThrow(/administration stays apart from use/);
    expect(() => keyPolicy({ adminArn: ADMIN, uses: [{ sid: 'X', principals: ['arn:aws:iam::111122223333:root'], actions: ['kms:Decrypt'] }] })).toThrow(/account root/);
  });
});

describe('finding 2: backup secret policies and the restore role', () => {
  const tf = synthPlatform(waqiti, 'prod').stacks.backup.tf;
  const secrets = resourcesOf(tf, 'aws_secretsmanager_secret');
  const policies = resourcesOf(tf, 'aws_secretsmanager_secret_policy');

  it('gives every backup secret a resource policy with public policies blocked, and prevent_destroy', () => {
    expect(policies).toHaveLength(secrets.length);
    for (const s of secrets) expect(s.lifecycle).toEqual({ prevent_destroy: true });
    for (const p of policies) expect(p.block_public_policy).toBe(true);
  });

  it('denies reading and writing a value to everyone but the push and restore roles', () => {
    for (const p of policies) {
      expect(statements(p.policy)).toEqual([
        {
          Sid: 'OnlyPushAndRestoreRolesTouchTheValue',
          Effect: 'Deny',
          Principal: '*',
          Action: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'],
          Resource: '*',
          Condition: { StringNotEquals: { 'aws:PrincipalArn': ['arn:aws:iam::111122223333:role/waqiti-prod-secrets-backup-push', 'arn:aws:iam::111122223333:role/waqiti-prod-secrets-backup-restore'] } },
        },
      ]);
    }
    // Those ARNs are the roles the stack creates.
    expect(resourcesOf(tf, 'aws_iam_role').map((r) => r.name).sort()).toEqual(expect.arrayContaining(['waqiti-prod-secrets-backup-push', 'waqiti-prod-secrets-backup-restore']));
  });

  it('lets the push role write, read and describe exactly the backups and read their policy, but change no tag and no policy', () => {
    const push = resourcesOf(tf, 'aws_iam_role_policy').find((p) => p.name === 'push-backups')!;
    const [secretsStmt] = statements(push.policy);
    expect(actions(secretsStmt)).toEqual(['secretsmanager:PutSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:GetResourcePolicy']);
    expect(secretsStmt.Resource).toHaveLength(secrets.length);
  });

  it('lets the restore role, assumed only by the named on-call role, read and decrypt the backups and nothing else', () => {
    const role = resourcesOf(tf, 'aws_iam_role').find((r) => r.name === 'waqiti-prod-secrets-backup-restore')!;
    expect(statements(role.assume_role_policy)).toEqual([{ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam::111122223333:role/waqiti-oncall'] }, Action: 'sts:AssumeRole' }]);
    const read = resourcesOf(tf, 'aws_iam_role_policy').find((p) => p.name === 'read-backups')!;
    const [secretsStmt, keyStmt] = statements(read.policy);
    expect(actions(secretsStmt)).toEqual(['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds']);
    // primary ARNs by reference, and the same names in each replica region
    expect(secretsStmt.Resource).toHaveLength(secrets.length * (1 + waqiti.environments.prod.aws.replicaRegions.length));
    expect((secretsStmt.Resource as string[]).filter((r) => r.startsWith('arn:')).every((r) => /^arn:aws:secretsmanager:(eu-central-1|us-east-1):111122223333:secret:waqiti\/backup\/.+-\?{6}$/.test(r))).toBe(true);
    expect(keyStmt).toMatchObject({ Action: ['kms:Decrypt'] });
  });

  it('defaults the restore trust to account principals with MFA when none are named', () => {
    const p = clone(waqiti);
    delete p.environments.prod.aws.restorePrincipalArns;
    const role = resourcesOf(synthPlatform(p, 'prod').stacks.backup.tf, 'aws_iam_role').find((r) => r.name === 'waqiti-prod-secrets-backup-restore')!;
    expect(statements(role.assume_role_policy)[0]).toMatchObject({ Principal: { AWS: 'arn:aws:iam::111122223333:root' }, Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } });
  });

  it.each<[string, (p: any) => void, RegExp, RegExp]>([
    ['a key admin in another account', (p) => (p.environments.prod.aws.keyAdminArn = 'arn:aws:iam::999999999999:role/admin'), /^environments\.prod\.aws\.keyAdminArn$/, /account 999999999999/],
    ['the unseal role as key admin', (p) => (p.environments.prod.aws.keyAdminArn = 'arn:aws:iam::111122223333:role/waqiti-prod-vault-unseal'), /^environments\.prod\.aws\.keyAdminArn$/, /creates to use the keys/],
    ['the key admin as a restorer', (p) => (p.environments.prod.aws.restorePrincipalArns = [ADMIN]), /^environments\.prod\.aws\.restorePrincipalArns\[0\]$/, /may also restore/],
    ['a key admin that is not an IAM ARN', (p) => (p.environments.prod.aws.keyAdminArn = 'admin'), /^environments\.prod\.aws\.keyAdminArn$/, /IAM role or user ARN/],
  ])('rejects %s', (_name, mutate, path, message) => {
    const issues = issuesAfter(waqiti, mutate);
    const hit = issues.find((i) => path.test(i.path) && message.test(i.message));
    expect(hit).toBeDefined();
    expect(hit!.hint.length).toBeGreaterThan(10);
  });
});

describe('finding 3: Consul storage', () => {
  const values = (p: PlatformConfig, env: string) =>
    JSON.parse(resourcesOf(synthPlatform(p, env).stacks.cluster.tf, 'helm_release').find((r) => r.chart === 'vault')!.values[0]);

  it('speaks TLS to Consul with the CA and client certificate from Secrets, and takes the ACL token from a Secret', () => {
    const v = values(pea, 'prod');
    const hcl: string = v.server.ha.config;
    expect(hcl).toMatch(/storage "consul" \{[^}]*scheme\s*=\s*"https"/s);
    expect(hcl).toContain('tls_ca_file = "/vault/userconfig/consul-ca/ca.crt"');
    expect(hcl).toContain('tls_cert_file = "/vault/userconfig/vault-consul-client-tls/tls.crt"');
    expect(hcl).toContain('tls_key_file = "/vault/userconfig/vault-consul-client-tls/tls.key"');
    expect(hcl).not.toMatch(/\btoken\s*=/);
    expect(v.server.extraSecretEnvironmentVars).toEqual([{ envName: 'CONSUL_HTTP_TOKEN', secretName: 'vault-consul-acl-token', secretKey: 'token' }]);
    expect(v.server.extraVolumes).toEqual([
      { type: 'secret', name: 'consul-ca' },
      { type: 'secret', name: 'vault-consul-client-tls' },
    ]);
  });

  it('has no token field in the schema: a token in config is rejected', () => {
    const issues = issuesAfter(pea, (p) => (p.vault.storage.token = 'consul-token'));
    expect(issues.some((i) => /^vault\.storage(\.token)?$/.test(i.path) && /unknown field|Unrecognized key/.test(i.message))).toBe(true);
  });

  it('requires TLS and an ACL token where any environment is production-grade', () => {
    const issues = issuesAfter(pea, (p) => delete p.vault.storage.security);
    expect(issues.map((i) => i.path)).toEqual(expect.arrayContaining(['vault.storage.security.tls', 'vault.storage.security.aclTokenSecret']));
    expect(issues.find((i) => i.path === 'vault.storage.security.tls')!.message).toMatch(/staging, prod/);
  });

  it('asks isProductionGrade, not environment names: no production-grade environment, no requirement', () => {
    const issues = issuesAfter(pea, (p) => {
      delete p.vault.storage.security;
      p.environments.staging.productionGrade = false;
      p.environments.prod.productionGrade = false;
      delete p.environments.staging.applyIdentity;
    });
    expect(issues.filter((i) => i.path.startsWith('vault.storage'))).toEqual([]);
    expect(isProductionGrade('prod', { ...pea.environments.prod, productionGrade: false })).toBe(false);
    expect(isProductionGrade('qa', { ...pea.environments.dev, productionGrade: true })).toBe(true);
  });
});

describe('finding 8: the apply identity and the operator split', () => {
  const plan = planPlatform(waqiti, 'prod');
  const tf = synthPlatform(waqiti, 'prod').stacks['vault-config'].tf;
  const policy = (name: string) => resourcesOf(tf, 'vault_policy').find((p) => p.name === name)!.policy as string;

  it('drops skip_child_token from the vault provider', () => {
    expect(tf.provider.vault[0].skip_child_token).toBeUndefined();
  });

  it('declares a JWT role for CI, bound to its issuer, audience, repository and environment, holding only the Terraform policy', () => {
    const [backend] = resourcesOf(tf, 'vault_jwt_auth_backend');
    expect(backend).toMatchObject({ path: 'ci-jwt', type: 'jwt', oidc_discovery_url: 'https://token.actions.githubusercontent.com', bound_issuer: 'https://token.actions.githubusercontent.com' });
    const [role] = resourcesOf(tf, 'vault_jwt_auth_backend_role');
    expect(role).toMatchObject({
      role_name: 'waqiti-terraform',
      role_type: 'jwt',
      bound_audiences: ['vault'],
      bound_claims: { repository: 'waqiti/platform-secrets', environment: 'prod' },
      token_policies: ['waqiti-terraform'],
      token_ttl: 1200,
      token_explicit_max_ttl: 1200,
    });
  });

  it('covers exactly the platform’s mount, policies, roles and audit device, with no wildcard', () => {
    const paths = plan.terraformPolicy.grants.map((g) => g.path);
    expect(paths.some((p) => p.includes('*') || p.includes('+'))).toBe(false);
    for (const p of [...plan.services.map((s) => s.policy.name), plan.backup!.policy.name, plan.operatorPolicy.name, plan.breakGlassPolicy.name, 'waqiti-vault-snapshot']) {
      expect(paths).toContain(`sys/policies/acl/${p}`);
    }
    for (const r of [...plan.services.map((s) => s.role.name), plan.backup!.role.name, 'waqiti-vault-snapshot']) expect(paths).toContain(`auth/kubernetes/role/${r}`);
    for (const a of resourcesOf(tf, 'vault_audit')) expect(paths).toContain(`sys/audit/${a.path}`);
    expect(paths).toContain('sys/mounts/waqiti');
    expect(paths.filter((p) => p.startsWith('sys/mounts/') && !p.startsWith('sys/mounts/auth/')).every((p) => p.startsWith('sys/mounts/waqiti'))).toBe(true);
  });

  it('reads the tables of secrets engines, auth methods and audit devices, only read, to adopt those left outside state', () => {
    const grants = plan.terraformPolicy.grants;
    expect(grants.find((g) => g.path === 'sys/mounts')!.capabilities).toEqual(['read']);
    expect(grants.find((g) => g.path === 'sys/auth')!.capabilities).toEqual(['read']);
    expect(grants.find((g) => g.path === 'sys/audit')!.capabilities).toEqual(['read', 'sudo']);
  });

  it('never reads a secret value, and leaves its own policy and JWT role read-only', () => {
    const grants = plan.terraformPolicy.grants;
    for (const g of grants.filter((x) => x.path.startsWith('waqiti/data/'))) expect(g.capabilities).not.toContain('read');
    for (const own of ['sys/policies/acl/waqiti-terraform', 'auth/ci-jwt/role/waqiti-terraform', 'auth/ci-jwt/config']) {
      expect(grants.find((g) => g.path === own)!.capabilities).toEqual(['read']);
    }
    expect(policy('waqiti-terraform')).toContain('path "auth/token/create"');
  });

  it('gives rotation create and update without read, and permanent deletion only to break-glass', () => {
    expect(policy('waqiti-operator')).toMatch(/path "waqiti\/data\/\*" \{\s*capabilities = \["create", "update"\]/);
    expect(policy('waqiti-operator')).not.toMatch(/"delete"|destroy/);
    expect(policy('waqiti-break-glass')).toMatch(/path "waqiti\/metadata\/\*" \{\s*capabilities = \["read", "delete", "list"\]/);
    expect(policy('waqiti-break-glass')).toContain('path "waqiti/destroy/*"');
  });

  it('shows the Terraform, break-glass and snapshot policies in the access report, as the plan has them', () => {
    const report = buildAccessReport(plan);
    const byKind = (k: string) => report.entries.find((e) => e.kind === k)!;
    expect(byKind('terraform')).toMatchObject({ role: 'ci-jwt/waqiti-terraform', policies: ['waqiti-terraform'] });
    expect(byKind('terraform').grants.map((g) => g.path)).toEqual(plan.terraformPolicy.grants.map((g) => g.path));
    expect(byKind('break-glass').grants.map((g) => g.path)).toEqual(plan.breakGlassPolicy.grants.map((g) => g.path));
    expect(byKind('snapshot')).toMatchObject({ namespaces: ['vault'], serviceAccounts: ['vault-snapshot'], grants: [{ path: 'sys/storage/raft/snapshot', capabilities: ['read'] }] });
  });

  it.each<[string, (p: any) => void, RegExp, RegExp]>([
    ['an operator policy that reads values', (p) => p.operatorPolicy.grants[0].capabilities.push('read'), /^operatorPolicy\.grants\[0\]\.capabilities$/, /reads secret values/],
    ['an operator policy that deletes metadata', (p) => p.operatorPolicy.grants[1].capabilities.push('delete'), /^operatorPolicy\.grants\[1\]\.capabilities$/, /permanently deletes/],
    ['an operator policy that destroys', (p) => p.operatorPolicy.grants.push({ path: 'waqiti/destroy/*', capabilities: ['update'] }), /^operatorPolicy\.grants\[2\]\.path$/, /destroys versions/],
    ['a break-glass grant outside the mount', (p) => (p.breakGlassPolicy.grants[0].path = 'secret/data/*'), /^breakGlassPolicy\.grants\[0\]\.path$/, /outside the mount/],
    ['prod without an apply identity', (p) => delete p.environments.prod.applyIdentity, /^environments\.prod\.applyIdentity$/, /no CI apply identity/],
    ['an apply identity with no bound claims', (p) => (p.environments.prod.applyIdentity.boundClaims = {}), /^environments\.prod\.applyIdentity\.boundClaims$/, /any token of the issuer|any token from the issuer/],
    ['a cluster apply identity without a discovery URL', (p) => delete p.environments.prod.applyIdentity.oidcDiscoveryUrl, /^environments\.prod\.applyIdentity\.oidcDiscoveryUrl$/, /no OIDC discovery URL/],
  ])('rejects %s', (_name, mutate, path, message) => {
    const hit = issuesAfter(waqiti, mutate).find((i) => path.test(i.path) && message.test(i.message));
    expect(hit).toBeDefined();
  });
});

describe('finding 9: recovery points', () => {
  const { stacks, plan } = synthPlatform(waqiti, 'prod');
  const backup = stacks.backup.tf;

  it('keeps snapshots in a versioned bucket, encrypted by default with its own rotating key, never public', () => {
    const [bucket] = resourcesOf(backup, 'aws_s3_bucket');
    expect(bucket).toMatchObject({ bucket: 'waqiti-prod-vault-snapshots-111122223333', lifecycle: { prevent_destroy: true } });
    expect(resourcesOf(backup, 'aws_s3_bucket_versioning')[0].versioning_configuration).toEqual({ status: 'Enabled' });
    const sse = resourcesOf(backup, 'aws_s3_bucket_server_side_encryption_configuration')[0].rule[0];
    expect(sse.apply_server_side_encryption_by_default).toEqual({ sse_algorithm: 'aws:kms', kms_master_key_id: expect.stringMatching(/aws_kms_key\.snapshots_key_\w+\.arn/) });
    expect(resourcesOf(backup, 'aws_s3_bucket_public_access_block')[0]).toMatchObject({ block_public_acls: true, block_public_policy: true, ignore_public_acls: true, restrict_public_buckets: true });
    const key = resourcesOf(backup, 'aws_kms_key').find((k) => k.tags?.purpose === 'vault-snapshots')!;
    expect(key).toMatchObject({ enable_key_rotation: true, lifecycle: { prevent_destroy: true } });
  });

  it('lets the snapshot role, assumed only by vault/vault-snapshot, put objects and nothing else', () => {
    const role = resourcesOf(backup, 'aws_iam_role').find((r) => r.name === 'waqiti-prod-vault-snapshot')!;
    const trust = statements(role.assume_role_policy)[0] as unknown as { Condition: { StringEquals: Record<string, string> } };
    expect(trust.Condition.StringEquals['oidc.eks.eu-west-1.amazonaws.com/id/WAQITI-PROD:sub']).toBe('system:serviceaccount:vault:vault-snapshot');
    const write = statements(resourcesOf(backup, 'aws_iam_role_policy').find((p) => p.name === 'put-snapshots')!.policy);
    expect(write.map((s) => actions(s))).toEqual([['s3:PutObject'], ['kms:GenerateDataKey', 'kms:Encrypt']]);
    const bucketPolicy = statements(resourcesOf(backup, 'aws_s3_bucket_policy')[0].policy);
    expect(bucketPolicy.map((s) => s.Sid)).toEqual(['TlsOnly', 'OnlyTheSnapshotKey', 'OnlyKmsEncryption']);
  });

  it('schedules a snapshot CronJob in the cluster layer that logs in with a snapshot-only Vault role', () => {
    const manifests = manifestsOf(stacks.cluster.tf);
    const cron = manifests.find((m) => m.kind === 'CronJob' && m.metadata.name === 'vault-snapshot')!;
    expect(cron.spec).toMatchObject({ schedule: '17 * * * *', concurrencyPolicy: 'Forbid' });
    const pod = cron.spec.jobTemplate.spec.template.spec;
    expect(pod.serviceAccountName).toBe('vault-snapshot');
    expect(pod.initContainers[0].args[0]).toContain('auth/kubernetes/login role=waqiti-vault-snapshot');
    expect(pod.initContainers[0].args[0]).toContain('vault operator raft snapshot save');
    expect(pod.containers[0].args[0]).toContain('s3://waqiti-prod-vault-snapshots-111122223333/');
    for (const c of [...pod.initContainers, ...pod.containers]) expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    const sa = manifests.find((m) => m.kind === 'ServiceAccount' && m.metadata.name === 'vault-snapshot')!;
    expect(sa.metadata.annotations['eks.amazonaws.com/role-arn']).toBe('arn:aws:iam::111122223333:role/waqiti-prod-vault-snapshot');
    expect(plan.snapshotAccess!.policy.grants).toEqual([{ path: 'sys/storage/raft/snapshot', capabilities: ['read'] }]);
    expect(manifests.find((m) => m.kind === 'PrometheusRule' && m.metadata.name === 'vault-snapshot-alerts')).toBeDefined();
  });

  it('takes PEA’s snapshots from Consul over TLS with a token from a Secret', () => {
    const cron = manifestsOf(synthPlatform(pea, 'prod').stacks.cluster.tf).find((m) => m.kind === 'CronJob')!;
    const take = cron.spec.jobTemplate.spec.template.spec.initContainers[0];
    expect(take.command).toEqual(['consul', 'snapshot', 'save', '/snapshots/snapshot.snap']);
    expect(take.env).toEqual(expect.arrayContaining([{ name: 'CONSUL_HTTP_ADDR', value: 'https://consul-server.consul.svc:8501' }, { name: 'CONSUL_HTTP_TOKEN', valueFrom: { secretKeyRef: { name: 'consul-snapshot-token', key: 'token' } } }]));
  });

  it('pushes backups hourly while workloads refresh every 15s', () => {
    const manifests = manifestsOf(stacks.sync.tf);
    const pushes = manifests.filter((m) => m.kind === 'PushSecret');
    expect(pushes.length).toBeGreaterThan(0);
    for (const p of pushes) expect(p.spec.refreshInterval).toBe('1h');
    const reads = manifests.filter((m) => m.kind === 'ExternalSecret');
    for (const r of reads) expect(r.spec.refreshInterval).toBe(r.metadata.namespace === 'waqiti-secrets-backup' ? '1h' : '15s');
  });

  it.each<[string, (p: any) => void, RegExp, RegExp]>([
    ['a 5-minute push interval in prod', (p) => (p.environments.prod.backupPushInterval = '5m'), /^environments\.prod\.backupPushInterval$/, /within minutes/],
    ['a push interval above 24h', (p) => (p.environments.dev.backupPushInterval = '48h'), /^environments\.dev\.backupPushInterval$/, /out of range/],
    ['snapshots off in prod', (p) => (p.environments.prod.snapshots = { enabled: false }), /^environments\.prod\.snapshots\.enabled$/, /takes no storage snapshots/],
    ['a schedule that is not cron', (p) => (p.environments.prod.snapshots = { enabled: true, schedule: 'hourly' }), /^environments\.prod\.snapshots\.schedule$/, /cron/],
  ])('rejects %s', (_name, mutate, path, message) => {
    const hit = issuesAfter(waqiti, mutate).find((i) => path.test(i.path) && message.test(i.message));
    expect(hit).toBeDefined();
  });

  it('accepts a 5-minute push interval in dev', () => {
    expect(issuesAfter(waqiti, (p) => (p.environments.dev.backupPushInterval = '5m'))).toEqual([]);
  });
});
