import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { IamRolePolicy } from '@cdktf/provider-aws/lib/iam-role-policy';
import { KmsAlias } from '@cdktf/provider-aws/lib/kms-alias';
import { KmsKey } from '@cdktf/provider-aws/lib/kms-key';
import { Construct } from 'constructs';
import { unsealRoleName } from '../config/names';
import { irsaTrustPolicy } from './irsa';

/** Props of Vault's AWS KMS auto-unseal. */
export interface KmsUnsealProps {
  /** Name prefix, e.g. `waqiti-prod`. */
  readonly name: string;
  readonly accountId: string;
  /** The cluster's IAM OIDC provider host. */
  readonly oidcProvider: string;
  /** Vault's namespace and service account, the only identity allowed to assume the role. */
  readonly vaultNamespace: string;
  readonly vaultServiceAccount: string;
}

/** The actions auto-unseal needs, and nothing else. */
export const UNSEAL_ACTIONS = ['kms:Encrypt', 'kms:Decrypt', 'kms:DescribeKey'] as const;

/**
 * A customer-managed KMS key (rotation on) for `seal "awskms"`, and an IAM role that Vault's
 * service account assumes through IRSA, allowed only Encrypt, Decrypt and DescribeKey on that key.
 */
export class KmsUnseal extends Construct {
  public readonly key: KmsKey;
  public readonly role: IamRole;

  constructor(scope: Construct, id: string, props: KmsUnsealProps) {
    super(scope, id);
    this.key = new KmsKey(this, 'key', {
      description: `Vault auto-unseal key for ${props.name}`,
      enableKeyRotation: true,
      deletionWindowInDays: 30,
      tags: { purpose: 'vault-unseal' },
    });
    new KmsAlias(this, 'alias', { name: `alias/${props.name}-vault-unseal`, targetKeyId: this.key.keyId });
    this.role = new IamRole(this, 'role', {
      name: unsealRoleName(props.name),
      assumeRolePolicy: irsaTrustPolicy(props.accountId, props.oidcProvider, props.vaultNamespace, props.vaultServiceAccount),
    });
    new IamRolePolicy(this, 'policy', {
      name: 'vault-unseal',
      role: this.role.id,
      policy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: [...UNSEAL_ACTIONS], Resource: this.key.arn }],
      }),
    });
  }
}
