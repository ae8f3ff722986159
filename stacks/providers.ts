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
  TerraformStack.of(scope).addOverride('terraform.required_providers.vault.version', VAULT_PROVIDER_CONSTRAINT);
  return provider;
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
  return new KubernetesProvider(scope, 'kubernetes', kubeconfig(scope, plan));
}

/** kubernetes and helm providers on the same kubeconfig context. */
export function clusterProviders(scope: Construct, plan: PlatformPlan): { kubernetes: KubernetesProvider; helm: HelmProvider } {
  const config = kubeconfig(scope, plan);
  return { kubernetes: new KubernetesProvider(scope, 'kubernetes', config), helm: new HelmProvider(scope, 'helm', { kubernetes: config }) };
}

/** The aws provider for a region; `alias` for replica regions. */
export function awsProvider(scope: Construct, plan: PlatformPlan, region: string, alias?: string): AwsProvider {
  return new AwsProvider(scope, alias ? constructIds.replicaProvider(alias) : 'aws', {
    region,
    alias,
    allowedAccountIds: [plan.env.aws.accountId],
    defaultTags: [{ tags: { platform: plan.platform.name, environment: plan.envName, 'managed-by': 'vault-secrets-platform' } }],
  });
}
