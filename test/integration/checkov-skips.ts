/**
 * checkov checks that fail on the synthesized stacks and do not apply, each with its reason. The
 * checkov test fails on any failed check not listed here, and on any entry here that no longer
 * fails anywhere (so the list cannot go stale). Adding an entry is a security decision: say why.
 */
export interface CheckovSkip {
  /** The check id, e.g. `CKV2_AWS_57`. */
  readonly id: string;
  /** The resource types it fails on; a failure on any other type is not skipped. */
  readonly resourceTypes: readonly string[];
  /** Why the check does not apply to this project. */
  readonly reason: string;
}

export const CHECKOV_SKIPS: readonly CheckovSkip[] = [
  {
    id: 'CKV2_AWS_57',
    resourceTypes: ['aws_secretsmanager_secret'],
    reason:
      'The backup secrets are copies of Vault secrets, written only by the PushSecret. Rotation happens in Vault ' +
      '(a generation bump or an external rotation) and reaches the copy at the next push; a Secrets Manager ' +
      'rotation Lambda would write a value that Vault does not hold, so the backup would no longer restore Vault.',
  },
  {
    id: 'CKV_AWS_18',
    resourceTypes: ['aws_s3_bucket'],
    reason:
      'Server access logging needs a second, log bucket per environment that would itself fail these checks. ' +
      'Object-level access to the snapshot bucket is recorded by CloudTrail S3 data events, which the account ' +
      'owner enables account-wide (README, "AWS keys, backups and the apply identity").',
  },
  {
    id: 'CKV_AWS_144',
    resourceTypes: ['aws_s3_bucket'],
    reason:
      'Snapshots stay in the cluster\'s region: a snapshot is useful to restore that cluster. Cross-region recovery ' +
      'of the critical secrets is the replicated Secrets Manager backups; snapshot replication would need a ' +
      'bucket and key per replica region and is listed under Limits in the README.',
  },
];
