/**
 * What the backup layer (Terraform, `SecretBackups`) and the sync layer (ESO, `BackupPushSecret`)
 * must agree on for every AWS backup secret. ESO's AWS provider reconciles more than the value on
 * each push:
 * - without `resourcePolicy` in the push metadata it calls DeleteResourcePolicy on the secret
 *   (external-secrets#6806), which would drop the deny-everyone-else policy Terraform attached, or,
 *   since the push role may not delete it, fail every push;
 * - with `tags` in the metadata it removes every tag not listed (v0.20.x does so even without);
 * - without `secretPushFormat: string` it writes SecretBinary, not the JSON document restore reads.
 *
 * So both sides are built from these functions: Terraform attaches exactly the policy and tags that
 * ESO is told to expect, ESO finds nothing to change, and the push role needs no right to change a
 * policy or a tag. If they ever drift, ESO's write is denied and the PushSecret reports it.
 */

/** Push format of every backup: one JSON string document, `{ key: value, ... }`. */
export const BACKUP_PUSH_FORMAT = 'string';

/** Key of the policy document in the backup namespace's policy ConfigMap. */
export const BACKUP_POLICY_KEY = 'policy.json';

/** Identity of a backup secret, as tags. */
export interface BackupSecretTagsProps {
  readonly platform: string;
  readonly environment: string;
  /** Path of the backed-up secret under the Vault mount. */
  readonly path: string;
}

/**
 * The tags of a backup secret besides `managed-by: external-secrets` (which ESO adds itself and
 * requires before it writes to a secret it did not create).
 */
export function backupSecretTags(props: BackupSecretTagsProps): Record<string, string> {
  return { platform: props.platform, environment: props.environment, 'vault-path': props.path };
}

/** The two identities that may touch a backup's value. */
export interface BackupSecretPolicyProps {
  /** ARN of the push role (ESO's store). */
  readonly pushRoleArn: string;
  /** ARN of the restore role. */
  readonly restoreRoleArn: string;
}

/** Secrets Manager actions that read or write a secret's value. */
export const SECRET_VALUE_ACTIONS = ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:UpdateSecretVersionStage'] as const;

/**
 * The resource policy of every backup secret, as the JSON text both sides use: everyone except the
 * push and restore roles is denied reading and writing the value. The ARNs are literal (role names
 * are fixed by config/names.ts), so the document is known before the roles exist.
 */
export function backupSecretPolicy(props: BackupSecretPolicyProps): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'OnlyPushAndRestoreRolesTouchTheValue',
        Effect: 'Deny',
        Principal: '*',
        Action: [...SECRET_VALUE_ACTIONS],
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:PrincipalArn': [props.pushRoleArn, props.restoreRoleArn] } },
      },
    ],
  });
}
