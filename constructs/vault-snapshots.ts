import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { S3Bucket } from '@cdktf/provider-aws/lib/s3-bucket';
import { S3BucketNotification } from '@cdktf/provider-aws/lib/s3-bucket-notification';
import { S3BucketLifecycleConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-lifecycle-configuration';
import { S3BucketOwnershipControls } from '@cdktf/provider-aws/lib/s3-bucket-ownership-controls';
import { S3BucketPolicy } from '@cdktf/provider-aws/lib/s3-bucket-policy';
import { S3BucketPublicAccessBlock } from '@cdktf/provider-aws/lib/s3-bucket-public-access-block';
import { S3BucketServerSideEncryptionConfigurationA as S3BucketServerSideEncryptionConfiguration } from '@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration';
import { S3BucketVersioningA as S3BucketVersioning } from '@cdktf/provider-aws/lib/s3-bucket-versioning';
import { Construct } from 'constructs';
import { irsaTrustPolicy } from './irsa';
import { keyPolicy, viaS3 } from './kms-key-policy';

/** Props of the S3 destination of Vault storage snapshots. */
export interface VaultSnapshotsProps {
  /** Name prefix, e.g. `waqiti-prod`. */
  readonly name: string;
  /** Bucket name (global): `<platform>-<env>-vault-snapshots-<account>`. */
  readonly bucket: string;
  /** Name of the role the snapshot CronJob assumes. */
  readonly roleName: string;
  readonly accountId: string;
  readonly region: string;
  /** The cluster's IAM OIDC provider host. */
  readonly oidcProvider: string;
  /** Namespace and service account of the snapshot CronJob: the only identity that may write. */
  readonly namespace: string;
  readonly serviceAccount: string;
  /** Days a replaced or deleted snapshot version is kept (1-3650). */
  readonly retentionDays: number;
  /** The principal that administers the key (never uses it). */
  readonly keyAdminArn: string;
  /** The role that restores: may read snapshots and decrypt them. */
  readonly restoreRole: IamRole;
}

/** What the snapshot role may do: put objects. No read, no list, no delete. */
export const SNAPSHOT_WRITE_ACTIONS = ['s3:PutObject'] as const;
/** What the restore role may do on the bucket. */
export const SNAPSHOT_READ_ACTIONS = ['s3:GetObject', 's3:GetObjectVersion', 's3:ListBucket', 's3:ListBucketVersions'] as const;

/**
 * Where Vault's storage snapshots go: a versioned S3 bucket, encrypted by default with its own KMS
 * key (rotation on), public access blocked, TLS-only, owner-enforced; old versions kept for
 * `retentionDays`. The snapshot role may only put objects, encrypted with that key, through S3;
 * the restore role may read them. Bucket and key are `prevent_destroy`.
 */
export class VaultSnapshots extends Construct {
  public readonly key: KmsKey;
  public readonly bucket: S3Bucket;
  public readonly role: IamRole;

  constructor(scope: Construct, id: string, props: VaultSnapshotsProps) {
    super(scope, id);
    if (!Number.isInteger(props.retentionDays) || props.retentionDays < 1 || props.retentionDays > 3650) {
      throw new Error(`'retentionDays' must be between 1 and 3650 days. Received: ${props.retentionDays}`);
    }
    this.role = new IamRole(this, 'role', {
      name: props.roleName,
      description: 'Puts Vault storage snapshots into their bucket; nothing else',
      assumeRolePolicy: irsaTrustPolicy(props.accountId, props.oidcProvider, props.namespace, props.serviceAccount),
    });
    this.key = new KmsKey(this, 'key', {
      description: `Vault storage snapshots for ${props.name}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      policy: keyPolicy({
        adminArn: props.keyAdminArn,
        uses: [
          { sid: 'SnapshotWritesThroughS3', principals: [this.role.arn], actions: ['kms:GenerateDataKey', 'kms:Encrypt'], viaServices: [viaS3(props.region)] },
          { sid: 'RestoreReadsThroughS3', principals: [props.restoreRole.arn], actions: ['kms:Decrypt', 'kms:DescribeKey'], viaServices: [viaS3(props.region)] },
        ],
      }),
      tags: { purpose: 'vault-snapshots' },
      lifecycle: { preventDestroy: true },
    });
    new KmsAlias(this, 'alias', { name: `alias/${props.name}-vault-snapshots`, targetKeyId: this.key.keyId });
    this.bucket = new S3Bucket(this, 'bucket', { bucket: props.bucket, tags: { purpose: 'vault-snapshots' }, lifecycle: { preventDestroy: true } });
    new S3BucketVersioning(this, 'versioning', { bucket: this.bucket.id, versioningConfiguration: { status: 'Enabled' } });
    new S3BucketServerSideEncryptionConfiguration(this, 'encryption', {
      bucket: this.bucket.id,
      rule: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: 'aws:kms', kmsMasterKeyId: this.key.arn }, bucketKeyEnabled: true }],
    });
    new S3BucketPublicAccessBlock(this, 'public-access', { bucket: this.bucket.id, blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true });
    // Object events go to EventBridge, where the account's security tooling can watch for deletions.
    new S3BucketNotification(this, 'events', { bucket: this.bucket.id, eventbridge: true });
    new S3BucketOwnershipControls(this, 'ownership', { bucket: this.bucket.id, rule: { objectOwnership: 'BucketOwnerEnforced' } });
    new S3BucketLifecycleConfiguration(this, 'lifecycle', {
      bucket: this.bucket.id,
      rule: [
        {
          id: 'keep-replaced-snapshots',
          status: 'Enabled',
          filter: [{ prefix: '' }],
          noncurrentVersionExpiration: [{ noncurrentDays: props.retentionDays }],
          abortIncompleteMultipartUpload: [{ daysAfterInitiation: 1 }],
        },
      ],
    });
    const objects = `${this.bucket.arn}/*`;
    new S3BucketPolicy(this, 'policy', {
      bucket: this.bucket.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'TlsOnly', Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: [this.bucket.arn, objects], Condition: { Bool: { 'aws:SecureTransport': 'false' } } },
          {
            Sid: 'OnlyTheSnapshotKey',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:PutObject',
            Resource: objects,
            Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption-aws-kms-key-id': this.key.arn } },
          },
          {
            Sid: 'OnlyKmsEncryption',
            Effect: 'Deny',
            Principal: '*',
            Action: 's3:PutObject',
            Resource: objects,
            Condition: { StringNotEqualsIfExists: { 's3:x-amz-server-side-encryption': 'aws:kms' } },
          },
        ],
      }),
    });
    new IamRolePolicy(this, 'write-policy', {
      name: 'put-snapshots',
      role: this.role.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'PutSnapshotsOnly', Effect: 'Allow', Action: [...SNAPSHOT_WRITE_ACTIONS], Resource: objects },
          { Sid: 'EncryptWithSnapshotKey', Effect: 'Allow', Action: ['kms:GenerateDataKey', 'kms:Encrypt'], Resource: this.key.arn },
        ],
      }),
    });
    new IamRolePolicy(this, 'restore-policy', {
      name: 'read-snapshots',
      role: props.restoreRole.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          { Sid: 'ReadSnapshots', Effect: 'Allow', Action: [...SNAPSHOT_READ_ACTIONS], Resource: [this.bucket.arn, objects] },
          { Sid: 'DecryptWithSnapshotKey', Effect: 'Allow', Action: ['kms:Decrypt'], Resource: this.key.arn },
        ],
      }),
    });
  }
}
