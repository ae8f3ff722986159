/**
 * Providers and their variables. Stacks call these; constructs never create providers.
 * No credential is ever set here: the vault provider reads VAULT_TOKEN, the aws provider its usual
 * credential chain, and the kubernetes and helm providers a kubeconfig.
 */
import { AwsProvider } from '@cdktf/provider-aws/lib/provider';
import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { VaultProvider } from '@cdktf/provider-vault/lib/provider';
import { TerraformProvider, TerraformStack, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import { constructIds, pairName } from '../config/names';
import type { PlatformPlan } from '../config/plan';

/** The random provider version that has `ephemeral "random_password"` (3.7+). */
export const RANDOM_PROVIDER_VERSION = '3.9.0';

/**
 * The random provider, declared without a prebuilt binding: only `ephemeral "random_password"` is
 * used, which no binding covers, so the provider block and its pin are all that is needed.
 */
export class RandomProvider extends TerraformProvider {
  constructor(scope: Construct, id: string) {
    super(scope, id, {
      terraformResourceType: 'random',
      terraformGeneratorMetadata: { providerName: 'random', providerVersion: RANDOM_PROVIDER_VERSION },
      terraformProviderSource: 'hashicorp/random',
    });
  }

  protected synthesizeAttributes(): Record<string, unknown> {
    return {};
  }
}

/**
 * The vault provider versions a stack accepts. The binding (@cdktf/provider-vault 15.6.1) was
 * generated from 5.6.0 and would pin exactly that; any later 5.x keeps every argument the stacks use
 * (the provider follows semver), and 5.9.0 is what the toolchain can build and test here.
 */
export const VAULT_PROVIDER_CONSTRAINT = '>= 5.6.0, < 6.0.0';

/** The vault provider, aimed at the environment's Vault (overridable with `vault_address`). */
export function vaultProvider(scope: Construct, plan: PlatformPlan): VaultProvider {
  const address = new TerraformVariable(scope, 'vault_address', {
    type: 'string',
    default: plan.env.vaultAddress,
    description: 'Vault address. The token comes from VAULT_TOKEN, never from configuration.',
  });
  const provider = new VaultProvider(scope, 'vault', {
    address: address.stringValue,
    // Long applies must not outlive a child token; the caller's token is used as is.
    skipChildToken: true,
  });
  acceptVersions(scope, 'vault', VAULT_PROVIDER_CONSTRAINT);
  return provider;
}

/**
 * The kubernetes provider versions a stack accepts. The binding (@cdktf/provider-kubernetes 12.1.1)
 * was generated from 2.38.0; 3.x removed no resource the stacks use (the unversioned ones are only
 * deprecated in favour of `_v1`), and 3.2.1 is what the toolchain can build and test here.
 */
export const KUBERNETES_PROVIDER_CONSTRAINT = '>= 2.38.0, < 4.0.0';

/**
 * The helm provider versions a stack accepts. The binding (@cdktf/provider-helm 12.1.2) was
 * generated from 3.1.1 (3.0 was the breaking release); 3.2.0 is what the toolchain builds.
 */
export const HELM_PROVIDER_CONSTRAINT = '>= 3.1.1, < 4.0.0';

/**
 * The aws provider versions a stack accepts. The binding (@cdktf/provider-aws 21.22.1) was generated
 * from 6.25.0; any later 6.x keeps the arguments the stacks use, and 6.48.0 is what the toolchain
 * builds (with only the iam, kms, meta, s3, secretsmanager and sts service packages) and applies to moto.
 */
export const AWS_PROVIDER_CONSTRAINT = '>= 6.25.0, < 7.0.0';

/** Widens a prebuilt binding's exact pin in `required_providers` to a range. */
function acceptVersions(scope: Construct, provider: string, constraint: string): void {
  TerraformStack.of(scope).addOverride(`terraform.required_providers.${provider}.version`, constraint);
}

/** The kubeconfig path and context variables, created once per stack. */
function kubeconfig(scope: Construct, plan: PlatformPlan): { configPath: string; configContext: string } {
  const configPath = new TerraformVariable(scope, 'kubeconfig_path', { type: 'string', default: '~/.kube/config', description: 'Path to the kubeconfig.' });
  const context = new TerraformVariable(scope, 'kube_context', {
    type: 'string',
    default: pairName(plan.platform.name, plan.envName),
    description: 'kubeconfig context of the target cluster.',
  });
  return { configPath: configPath.stringValue, configContext: context.stringValue };
}

/** The kubernetes provider, reading a kubeconfig context named after the platform and environment. */
export function kubernetesProvider(scope: Construct, plan: PlatformPlan): KubernetesProvider {
  acceptVersions(scope, 'kubernetes', KUBERNETES_PROVIDER_CONSTRAINT);
  return new KubernetesProvider(scope, 'kubernetes', kubeconfig(scope, plan));
}

/** kubernetes and helm providers on the same kubeconfig context. */
export function clusterProviders(scope: Construct, plan: PlatformPlan): { kubernetes: KubernetesProvider; helm: HelmProvider } {
  const config = kubeconfig(scope, plan);
  acceptVersions(scope, 'kubernetes', KUBERNETES_PROVIDER_CONSTRAINT);
  acceptVersions(scope, 'helm', HELM_PROVIDER_CONSTRAINT);
  return { kubernetes: new KubernetesProvider(scope, 'kubernetes', config), helm: new HelmProvider(scope, 'helm', { kubernetes: config }) };
}

/** The aws provider for a region; `alias` for replica regions. */
export function awsProvider(scope: Construct, plan: PlatformPlan, region: string, alias?: string): AwsProvider {
  acceptVersions(scope, 'aws', AWS_PROVIDER_CONSTRAINT);
  return new AwsProvider(scope, alias ? constructIds.replicaProvider(alias) : 'aws', {
    region,
    alias,
    allowedAccountIds: [plan.env.aws.accountId],
    defaultTags: [{ tags: { platform: plan.platform.name, environment: plan.envName, 'managed-by': 'vault-secrets-platform' } }],
  });
}
