/**
 * Explicit KMS key policies: one named principal administers the key and can never use it; the
 * roles that use it are named one by one, with only the actions they need. No statement names the
 * account root, so no IAM policy elsewhere in the account can grant use of the key.
 */

/**
 * What the key administrator may do: manage the key's life, policy, rotation, aliases and tags.
 * No Encrypt, Decrypt, GenerateDataKey or ReEncrypt, and no CreateGrant (a grant is a way to use
 * the key). `PutKeyPolicy` stays: without it nobody could ever change the policy again.
 */
export const KEY_ADMIN_ACTIONS = [
  'kms:CancelKeyDeletion',
  'kms:CreateAlias',
  'kms:DeleteAlias',
  'kms:DescribeKey',
  'kms:DisableKey',
  'kms:DisableKeyRotation',
  'kms:EnableKey',
  'kms:EnableKeyRotation',
  'kms:GetKeyPolicy',
  'kms:GetKeyRotationStatus',
  'kms:ListAliases',
  'kms:ListGrants',
  'kms:ListKeyPolicies',
  'kms:ListKeyRotations',
  'kms:ListResourceTags',
  'kms:PutKeyPolicy',
  'kms:ReplicateKey',
  'kms:RetireGrant',
  'kms:RevokeGrant',
  'kms:RotateKeyOnDemand',
  'kms:ScheduleKeyDeletion',
  'kms:TagResource',
  'kms:UntagResource',
  'kms:UpdateAlias',
  'kms:UpdateKeyDescription',
  'kms:UpdatePrimaryRegion',
] as const;

/** Actions that use a key: never granted to the administrator. */
export const KEY_USE_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:ReEncryptFrom', 'kms:ReEncryptTo', 'kms:GenerateDataKey', 'kms:GenerateDataKeyWithoutPlaintext', 'kms:CreateGrant'] as const;

/** One principal's use of a key. */
export interface KeyUse {
  /** Statement id, e.g. `UnsealOnly`. */
  readonly sid: string;
  /** IAM role ARNs (may be references to roles in the same stack). */
  readonly principals: readonly string[];
  readonly actions: readonly string[];
  /** Only through these services, e.g. `secretsmanager.eu-west-1.amazonaws.com` (`kms:ViaService`). */
  readonly viaServices?: readonly string[];
}

/** Props of a key policy. */
export interface KeyPolicyProps {
  /** The one principal that administers the key. */
  readonly adminArn: string;
  /** Who uses the key, and how. */
  readonly uses: readonly KeyUse[];
}

/** The key policy document as JSON. Throws if a use statement grants nothing or if the admin is also a user. */
export function keyPolicy(props: KeyPolicyProps): string {
  const problems: string[] = [];
  for (const u of props.uses) {
    if (u.principals.length === 0) problems.push(`'${u.sid}' names no principal`);
    if (u.actions.length === 0) problems.push(`'${u.sid}' grants no action`);
    if (u.principals.includes(props.adminArn)) problems.push(`'${u.sid}' lets the key administrator use the key; administration stays apart from use`);
    if (u.principals.some((p) => p === '*' || p.endsWith(':root'))) problems.push(`'${u.sid}' names a wildcard or the account root; name roles`);
  }
  if (problems.length > 0) throw new Error(`KMS key policy failed validation:\n- ${problems.join('\n- ')}`);
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'KeyAdministrationOnly', Effect: 'Allow', Principal: { AWS: props.adminArn }, Action: [...KEY_ADMIN_ACTIONS], Resource: '*' },
      ...props.uses.map((u) => ({
        Sid: u.sid,
        Effect: 'Allow',
        Principal: { AWS: u.principals.length === 1 ? u.principals[0] : [...u.principals] },
        Action: [...u.actions],
        Resource: '*',
        ...(u.viaServices ? { Condition: { StringEquals: { 'kms:ViaService': u.viaServices.length === 1 ? u.viaServices[0] : [...u.viaServices] } } } : {}),
      })),
    ],
  });
}

/** `secretsmanager.<region>.amazonaws.com`, for `kms:ViaService`. */
export const viaSecretsManager = (region: string) => `secretsmanager.${region}.amazonaws.com`;
/** `s3.<region>.amazonaws.com`, for `kms:ViaService`. */
export const viaS3 = (region: string) => `s3.${region}.amazonaws.com`;
