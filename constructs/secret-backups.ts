import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsReplicaKey } from '@cdktf/provider-aws/lib/kms-replica-key';
import type { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { Construct } from 'constructs';
import { backupPushRoleName, constructIds } from '../config/names';
import { irsaTrustPolicy } from './irsa';

/** One secret to back up. */
export interface BackupTarget {
  /** Path under the Vault mount. */
  readonly path: string;
  /** Name of the AWS secret, e.g. `waqiti/backup/auth`. */
  readonly secretName: string;
}

/** Props of the AWS Secrets Manager backups of a platform's critical secrets. */
export interface SecretBackupsProps {
  /** Name prefix, e.g. `waqiti-prod`. */
  readonly name: string;
  readonly targets: readonly BackupTarget[];
  /** Providers of the replica regions, keyed by region (created by the stack). */
  readonly replicaProviders: Readonly<Record<string, AwsProvider>>;
  /** Days a deleted backup stays recoverable (7-30). */
  readonly recoveryWindowDays: number;
  readonly accountId: string;
  readonly oidcProvider: string;
  /** Namespace and service account of the ESO PushSecret store: the only identity that may write. */
  readonly pusherNamespace: string;
  readonly pusherServiceAccount: string;
}

/**
 * For every critical secret, an `aws_secretsmanager_secret` encrypted with a customer-managed
 * multi-Region KMS key (rotation on), replicated to every replica region under that key's replica,
 * with a recovery window. Terraform creates the containers only; values arrive through ESO
 * PushSecrets, whose IAM role may write exactly these secrets.
 */
export class SecretBackups extends Construct {
  public readonly key: KmsKey;
  public readonly secrets: SecretsmanagerSecret[];
  public readonly pushRole: IamRole;

  constructor(scope: Construct, id: string, props: SecretBackupsProps) {
    super(scope, id);
    if (props.recoveryWindowDays < 7 || props.recoveryWindowDays > 30) {
      throw new Error(`'recoveryWindowDays' must be between 7 and 30 days. Received: ${props.recoveryWindowDays}`);
    }
    this.key = new KmsKey(this, 'key', {
      description: `Secrets Manager backups for ${props.name}`,
      enableKeyRotation: true,
      multiRegion: true,
      deletionWindowInDays: 30,
      tags: { purpose: 'secrets-backup' },
    });
    new KmsAlias(this, 'alias', { name: `alias/${props.name}-secrets-backup`, targetKeyId: this.key.keyId });
    const replicaKeys = Object.entries(props.replicaProviders).map(([region, provider]) => ({
      region,
      key: new KmsReplicaKey(this, constructIds.replicaKey(region), {
        provider,
        primaryKeyArn: this.key.arn,
        description: `Secrets Manager backup replica for ${props.name}`,
        deletionWindowInDays: 30,
      }),
    }));
    this.secrets = props.targets.map(
      (t) =>
        new SecretsmanagerSecret(this, constructIds.backupSecret(t.secretName), {
          name: t.secretName,
          description: `Backup of Vault secret ${t.path}, pushed by External Secrets`,
          kmsKeyId: this.key.arn,
          recoveryWindowInDays: props.recoveryWindowDays,
          replica: replicaKeys.map((r) => ({ region: r.region, kmsKeyId: r.key.arn })),
          // ESO only updates AWS secrets that carry this tag.
          tags: { 'managed-by': 'external-secrets', 'vault-path': t.path },
        }),
    );
    this.pushRole = new IamRole(this, 'push-role', {
      name: backupPushRoleName(props.name),
      assumeRolePolicy: irsaTrustPolicy(props.accountId, props.oidcProvider, props.pusherNamespace, props.pusherServiceAccount),
    });
    new IamRolePolicy(this, 'push-policy', {
      name: 'push-backups',
      role: this.pushRole.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'WriteTheseBackupsOnly',
            Effect: 'Allow',
            Action: ['secretsmanager:PutSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:TagResource'],
            Resource: this.secrets.map((s) => s.arn),
          },
          { Sid: 'EncryptWithBackupKey', Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt'], Resource: [this.key.arn, ...replicaKeys.map((r) => r.key.arn)] },
        ],
      }),
    });
  }
}
