import type { Construct } from 'constructs';
import { backupSecretName, pairName } from '../config/names';
import type { BackupPlan, PlatformPlan } from '../config/plan';
import { SecretBackups } from '../constructs/secret-backups';
import { PlatformStack } from './platform-stack';
import { awsProvider } from './providers';

export { backupSecretName } from '../config/names';

/** AWS: Secrets Manager backups of critical secrets, their KMS keys and the push role. */
export class BackupStack extends PlatformStack {
  public readonly backups: SecretBackups;

  constructor(scope: Construct, plan: PlatformPlan, backup: BackupPlan) {
    super(scope, plan, 'backup');
    const { env } = plan;
    awsProvider(this, plan, env.aws.primaryRegion);
    const replicaProviders = Object.fromEntries(env.aws.replicaRegions.map((region) => [region, awsProvider(this, plan, region, region)]));
    this.backups = new SecretBackups(this, 'backups', {
      name: pairName(plan.platform.name, plan.envName),
      targets: backup.secrets.map((s) => ({ path: s.path, secretName: backupSecretName(plan.platform.name, s.path) })),
      replicaProviders,
      recoveryWindowDays: env.backupRecoveryWindowDays,
      accountId: env.aws.accountId,
      oidcProvider: env.aws.oidcProvider,
      pusherNamespace: backup.namespace,
      pusherServiceAccount: backup.pusherServiceAccount,
    });
  }
}
