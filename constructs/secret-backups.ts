import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { KmsReplicaKey } from '@cdktf/provider-aws/lib/kms-replica-key';
import type { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { SecretsmanagerSecret } from '@cdktf/provider-aws/lib/secretsmanager-secret';
import { SecretsmanagerSecretPolicy } from '@cdktf/provider-aws/lib/secretsmanager-secret-policy';
import { Construct } from 'constructs';
import { backupPushRoleName, constructIds, iamRoleArn } from '../config/names';
import { backupSecretPolicy } from './backup-secret-contract';
import { irsaTrustPolicy } from './irsa';
import { keyPolicy, viaSecretsManager } from './kms-key-policy';

/** One secret to back up. */
export interface BackupTarget {
  /** Path under the Vault mount. */
  readonly path: string;
  /** Name of the AWS secret, e.g. `waqiti/backup/auth`. */
  readonly secretName: string;
  /** Tags of the AWS secret besides `managed-by` (`backupSecretTags`; the PushSecret declares the same). */
  readonly tags: Readonly<Record<string, string>>;
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
  /** Region of the primary key and secrets. */
  readonly primaryRegion: string;
  /** The principal that administers the keys and the secrets' policies (never reads a value). */
  readonly keyAdminArn: string;
  /** The role that restores: the only reader besides the push role. */
  readonly restoreRole: IamRole;
  /** Its ARN, literal: the secrets' resource policy is text that ESO compares (`backupSecretPolicy`). */
  readonly restoreRoleArn: string;
}

export { SECRET_VALUE_ACTIONS } from './backup-secret-contract';
/**
 * What the push role may do on a backup secret: write and read its value, describe it, and read its
 * resource policy (ESO compares it with the one the PushSecret declares). No Tag/Untag, no
 * Put/DeleteResourcePolicy: a drifted tag or policy makes the push fail instead of being "fixed".
 */
export const PUSH_SECRET_ACTIONS = ['secretsmanager:PutSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:GetResourcePolicy'] as const;
/** What the restore role may do on a backup secret: read it, its versions and its description. */
export const RESTORE_SECRET_ACTIONS = ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret', 'secretsmanager:ListSecretVersionIds'] as const;
/** What the push role may do with the backup keys. */
export const PUSH_KEY_ACTIONS = ['kms:GenerateDataKey', 'kms:Encrypt', 'kms:Decrypt'] as const;

/**
 * For every critical secret, an `aws_secretsmanager_secret` encrypted with a customer-managed
 * multi-Region KMS key (rotation on), replicated to every replica region under that key's replica,
 * with a recovery window. Terraform creates the containers only; values arrive through ESO
 * PushSecrets, whose IAM role may write exactly these secrets.
 *
 * Not IAM alone: every key and replica key has a policy in which the admin only administers and the
 * push and restore roles only use it, through Secrets Manager (`kms:ViaService`); every secret has a
 * resource policy that denies reading and writing its value to everyone else, and public policies
 * are blocked. Keys, replica keys and secrets are `prevent_destroy`.
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
    this.pushRole = new IamRole(this, 'push-role', {
      name: backupPushRoleName(props.name),
      assumeRolePolicy: irsaTrustPolicy(props.accountId, props.oidcProvider, props.pusherNamespace, props.pusherServiceAccount),
    });
    const restoreArn = props.restoreRole.arn;
    const regions = Object.keys(props.replicaProviders);
    if (regions.includes(props.primaryRegion)) throw new Error(`'replicaProviders' must not include the primary region ${props.primaryRegion}`);
    // The primary key: push encrypts and decrypts, restore decrypts, both only through Secrets Manager.
    this.key = new KmsKey(this, 'key', {
      description: `Secrets Manager backups for ${props.name}`,
      enableKeyRotation: true,
      multiRegion: true,
      deletionWindowInDays: 30,
      policy: keyPolicy({
        adminArn: props.keyAdminArn,
        uses: [
          { sid: 'PushThroughSecretsManager', principals: [this.pushRole.arn], actions: [...PUSH_KEY_ACTIONS, 'kms:DescribeKey'], viaServices: [viaSecretsManager(props.primaryRegion)] },
          { sid: 'RestoreThroughSecretsManager', principals: [restoreArn], actions: ['kms:Decrypt', 'kms:DescribeKey'], viaServices: [viaSecretsManager(props.primaryRegion)] },
        ],
      }),
      tags: { purpose: 'secrets-backup' },
      lifecycle: { preventDestroy: true },
    });
    new KmsAlias(this, 'alias', { name: `alias/${props.name}-secrets-backup`, targetKeyId: this.key.keyId });
    // Replica keys: replication re-encrypts under the pushing role's identity, called from Secrets
    // Manager in either region; a restore from the replica region decrypts there.
    const replicaKeys = Object.entries(props.replicaProviders).map(([region, provider]) => ({
      region,
      key: new KmsReplicaKey(this, constructIds.replicaKey(region), {
        provider,
        primaryKeyArn: this.key.arn,
        description: `Secrets Manager backup replica for ${props.name}`,
        deletionWindowInDays: 30,
        policy: keyPolicy({
          adminArn: props.keyAdminArn,
          uses: [
            { sid: 'PushThroughSecretsManager', principals: [this.pushRole.arn], actions: [...PUSH_KEY_ACTIONS, 'kms:DescribeKey'], viaServices: [viaSecretsManager(props.primaryRegion), viaSecretsManager(region)] },
            { sid: 'RestoreThroughSecretsManager', principals: [restoreArn], actions: ['kms:Decrypt', 'kms:DescribeKey'], viaServices: [viaSecretsManager(region)] },
          ],
        }),
        lifecycle: { preventDestroy: true },
      }),
    }));
    const secretPolicy = backupSecretPolicy({ pushRoleArn: iamRoleArn(props.accountId, backupPushRoleName(props.name)), restoreRoleArn: props.restoreRoleArn });
    this.secrets = props.targets.map((t) => {
      const secret = new SecretsmanagerSecret(this, constructIds.backupSecret(t.secretName), {
        name: t.secretName,
        description: `Backup of Vault secret ${t.path}, pushed by External Secrets`,
        kmsKeyId: this.key.arn,
        recoveryWindowInDays: props.recoveryWindowDays,
        replica: replicaKeys.map((r) => ({ region: r.region, kmsKeyId: r.key.arn })),
        // ESO only updates AWS secrets that carry `managed-by`; the others are the PushSecret's too.
        tags: { ...t.tags, 'managed-by': 'external-secrets' },
        lifecycle: { preventDestroy: true },
      });
      new SecretsmanagerSecretPolicy(this, `policy-${t.secretName}`, {
        secretArn: secret.arn,
        blockPublicPolicy: true,
        policy: secretPolicy,
      });
      return secret;
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
            Action: [...PUSH_SECRET_ACTIONS],
            Resource: this.secrets.map((s) => s.arn),
          },
          { Sid: 'EncryptWithBackupKey', Effect: 'Allow', Action: [...PUSH_KEY_ACTIONS], Resource: [this.key.arn, ...replicaKeys.map((r) => r.key.arn)] },
        ],
      }),
    });
    // The restore role reads the backups in the primary region or any replica region.
    const inRegion = (region: string, name: string) => `arn:aws:secretsmanager:${region}:${props.accountId}:secret:${name}-??????`;
    new IamRolePolicy(this, 'restore-policy', {
      name: 'read-backups',
      role: props.restoreRole.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'ReadTheseBackupsOnly',
            Effect: 'Allow',
            Action: [...RESTORE_SECRET_ACTIONS],
            Resource: [...this.secrets.map((s) => s.arn), ...regions.flatMap((r) => props.targets.map((t) => inRegion(r, t.secretName)))],
          },
          { Sid: 'DecryptWithBackupKey', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: [this.key.arn, ...replicaKeys.map((r) => r.key.arn)] },
        ],
      }),
    });
  }
}
