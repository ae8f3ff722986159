import type { Construct } from 'constructs';
import { pairName, VAULT_SERVICE_ACCOUNT } from '../config/names';
import type { PlatformPlan } from '../config/plan';
import { KmsUnseal } from '../constructs/kms-unseal';
import { PlatformStack } from './platform-stack';
import { awsProvider } from './providers';

/** AWS: Vault's KMS auto-unseal key and the IRSA role that may use it. */
export class UnsealStack extends PlatformStack {
  public readonly unseal: KmsUnseal;

  constructor(scope: Construct, plan: PlatformPlan) {
    super(scope, plan, 'unseal');
    awsProvider(this, plan, plan.env.aws.primaryRegion);
    this.unseal = new KmsUnseal(this, 'unseal', {
      name: pairName(plan.platform.name, plan.envName),
      accountId: plan.env.aws.accountId,
      oidcProvider: plan.env.aws.oidcProvider,
      vaultNamespace: plan.platform.vault.namespace,
      vaultServiceAccount: VAULT_SERVICE_ACCOUNT,
    });
  }
}
