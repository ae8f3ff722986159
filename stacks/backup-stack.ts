import type { Construct } from 'constructs';
import { backupRestoreRoleName, backupSecretName, pairName } from '../config/names';
import { backupSecretTags } from '../constructs/backup-secret-contract';
import type { PlatformPlan } from '../config/plan';
import { RestoreRole } from '../constructs/restore-role';
import { SecretBackups } from '../constructs/secret-backups';
import { VaultSnapshots } from '../constructs/vault-snapshots';
import { PlatformStack } from './platform-stack';
import { awsProvider } from './providers';

export { backupSecretName } from '../config/names';

/**
 * AWS: Secrets Manager backups of critical secrets, their KMS keys and the push role; the S3
 * bucket and key for Vault storage snapshots and the snapshot role; the restore role that may read
 * both.
 */
export class BackupStack extends PlatformStack {
  /** Undefined when no secret is critical. */
  public readonly backups?: SecretBackups;
  /** Undefined when snapshots are off. */
  public readonly snapshots?: VaultSnapshots;
  public readonly restore: RestoreRole;

  constructor(scope: Construct, plan: PlatformPlan) {
    super(scope, plan, 'backup');
    const { env } = plan;
    const name = pairName(plan.platform.name, plan.envName);
    awsProvider(this, plan, env.aws.primaryRegion);
    this.restore = new RestoreRole(this, 'restore', {
      name: backupRestoreRoleName(name),
      accountId: env.aws.accountId,
      principalArns: plan.aws.restorePrincipalArns,
    });
    const backup = plan.backup;
    if (backup) {
      const replicaProviders = Object.fromEntries(env.aws.replicaRegions.map((region) => [region, awsProvider(this, plan, region, region)]));
      this.backups = new SecretBackups(this, 'backups', {
        name,
        targets: backup.secrets.map((s) => ({
          path: s.path,
          secretName: backupSecretName(plan.platform.name, s.path),
          tags: backupSecretTags({ platform: plan.platform.name, environment: plan.envName, path: s.path }),
        })),
        replicaProviders,
        recoveryWindowDays: env.backupRecoveryWindowDays,
        accountId: env.aws.accountId,
        oidcProvider: env.aws.oidcProvider,
        pusherNamespace: backup.namespace,
        pusherServiceAccount: backup.pusherServiceAccount,
        primaryRegion: env.aws.primaryRegion,
        keyAdminArn: plan.aws.keyAdminArn,
        restoreRole: this.restore.role,
        restoreRoleArn: this.restore.roleArn,
      });
    }
    const snap = plan.snapshots;
    if (snap) {
      this.snapshots = new VaultSnapshots(this, 'snapshots', {
        name,
        bucket: snap.bucket,
        roleName: snap.roleName,
        accountId: env.aws.accountId,
        region: env.aws.primaryRegion,
        oidcProvider: env.aws.oidcProvider,
        namespace: snap.namespace,
        serviceAccount: snap.serviceAccount,
        retentionDays: snap.retentionDays,
        keyAdminArn: plan.aws.keyAdminArn,
        restoreRole: this.restore.role,
      });
    }
  }
}
