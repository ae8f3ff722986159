import { IamRole } from '@cdktf/provider-aws/lib/iam-role';
import { Construct } from 'constructs';
import { iamRoleArn } from '../config/names';

/** Props of the role that restores from backups. */
export interface RestoreRoleProps {
  /** Role name, e.g. `waqiti-prod-secrets-backup-restore`. */
  readonly name: string;
  readonly accountId: string;
  /**
   * Principals that may assume the role (on-call roles, a restore job's role).
   * @default - any principal of the account that its own IAM policy allows to, and only with MFA
   */
  readonly principalArns?: readonly string[];
  /** Longest session, in seconds. @default 3600 */
  readonly maxSessionSeconds?: number;
}

/**
 * The restore role: the only identity besides the push role that backup key policies and secret
 * policies let read a backup. It gets its permissions from the constructs that own what it reads
 * (`SecretBackups`, `VaultSnapshots`); by itself it can do nothing.
 */
export class RestoreRole extends Construct {
  public readonly role: IamRole;
  /** The role's ARN as literal text (no path), for documents compared outside Terraform. */
  public readonly roleArn: string;

  constructor(scope: Construct, id: string, props: RestoreRoleProps) {
    super(scope, id);
    const explicit = props.principalArns && props.principalArns.length > 0;
    if (props.principalArns?.some((p) => p.includes('*'))) throw new Error(`'principalArns' must name principals, not wildcards. Received: ${props.principalArns.join(', ')}`);
    this.roleArn = iamRoleArn(props.accountId, props.name);
    this.role = new IamRole(this, 'role', {
      name: props.name,
      description: 'Reads and decrypts the platform backups to restore them; nothing else',
      maxSessionDuration: props.maxSessionSeconds ?? 3600,
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          explicit
            ? { Effect: 'Allow', Principal: { AWS: [...props.principalArns!] }, Action: 'sts:AssumeRole' }
            : {
                Effect: 'Allow',
                Principal: { AWS: `arn:aws:iam::${props.accountId}:root` },
                Action: 'sts:AssumeRole',
                Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } },
              },
        ],
      }),
    });
  }
}
