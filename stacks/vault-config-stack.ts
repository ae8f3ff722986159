import { Fn, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import { allPolicies, allRoles, AUDIT_DEVICE_PATHS, KUBERNETES_AUTH_PATH, type PlatformPlan } from '../config/plan';
import type { SecretConfig } from '../config/schema';
import { AuditDevice } from '../constructs/audit-device';
import { CiApplyIdentity } from '../constructs/ci-apply-identity';
import { ExternalSecretSlot } from '../constructs/external-secret-slot';
import { GeneratedSecret } from '../constructs/generated-secret';
import { KubernetesAuth } from '../constructs/kubernetes-auth';
import { KvV2Mount } from '../constructs/kv-v2-mount';
import { VaultPolicy } from '../constructs/vault-policy';
import { durationSeconds } from '../config/durations';
import { PlatformStack } from './platform-stack';
import { RandomProvider, vaultProvider } from './providers';

/** Where the file audit device writes: the audit volume in clusters, stdout for local. */
const auditFilePath = (plan: PlatformPlan) => (plan.env.cluster ? '/vault/audit/vault-audit.log' : 'stdout');

/**
 * Without a cluster, Vault does not run in a pod, so it cannot read the pod's service account CA:
 * the API server's CA (public, PEM) comes in as a variable, e.g. `TF_VAR_kubernetes_ca_cert`.
 */
const kubernetesCaCertVariable = (scope: Construct) =>
  new TerraformVariable(scope, 'kubernetes_ca_cert', {
    type: 'string',
    description: 'PEM CA certificate of the Kubernetes API server that Vault reviews tokens against (public, not a secret).',
  });

/** Without an OIDC discovery URL (local), the public key that signs CI tokens comes in as a variable. */
const ciPubkeyVariable = (scope: Construct) =>
  new TerraformVariable(scope, 'ci_jwt_validation_pubkey', {
    type: 'string',
    description: 'PEM public key that verifies the CI tokens applying this stack (public, not a secret).',
  });

/** Metadata every secret carries in Vault: who owns it and when it must rotate. */
export function secretMetadata(s: SecretConfig): Record<string, string> {
  return {
    owner: s.owner,
    rotation_period: s.rotationPeriod,
    criticality: s.criticality,
    origin: s.origin.kind === 'external' ? `external: ${s.origin.source}` : 'generated',
    keys: s.keys.join(','),
  };
}

/** Vault configuration: KV mount, audit, Kubernetes auth and roles, policies, secrets. */
export class VaultConfigStack extends PlatformStack {
  public readonly policies: VaultPolicy[];

  constructor(scope: Construct, plan: PlatformPlan) {
    super(scope, plan, 'vault-config');
    vaultProvider(this, plan);
    new RandomProvider(this, 'random');
    const kv = plan.platform.kv;
    const mount = new KvV2Mount(this, 'kv', {
      path: plan.mount,
      maxVersions: kv.maxVersions,
      casRequired: kv.casRequired,
      deleteVersionAfterSeconds: kv.deleteVersionAfter === '0s' ? 0 : durationSeconds(kv.deleteVersionAfter)!,
      description: `${plan.platform.displayName} secrets`,
    });
    new AuditDevice(this, 'audit', { filePath: auditFilePath(plan), path: AUDIT_DEVICE_PATHS[0] });
    const auth = new KubernetesAuth(this, 'kubernetes-auth', {
      path: KUBERNETES_AUTH_PATH,
      kubernetesHost: plan.env.auth.kubernetesHost,
      kubernetesCaCert: plan.env.cluster ? undefined : kubernetesCaCertVariable(this).stringValue,
    });
    this.policies = allPolicies(plan).map((p) => new VaultPolicy(this, `policy-${p.name}`, { name: p.name, grants: p.grants }));
    // A role may name policies that do not exist yet (Vault resolves them at login), so no ordering is needed.
    for (const role of allRoles(plan)) auth.addRole(role);
    const ci = plan.applyIdentity;
    if (ci) {
      new CiApplyIdentity(this, 'ci', {
        path: ci.authPath,
        roleName: ci.roleName,
        policy: plan.terraformPolicy.name,
        oidcDiscoveryUrl: ci.config.oidcDiscoveryUrl,
        // OpenBao stores the key without its trailing newline; trimmed, a second plan stays empty.
        validationPubkeys: ci.config.oidcDiscoveryUrl ? undefined : [Fn.trimspace(ciPubkeyVariable(this).stringValue)],
        boundIssuer: ci.config.boundIssuer,
        audience: ci.config.audience,
        boundClaims: ci.config.boundClaims,
        userClaim: ci.config.userClaim,
        tokenTtlSeconds: durationSeconds(ci.tokenTtl)!,
      });
    }
    for (const g of plan.generated) {
      new GeneratedSecret(this, `generated-${g.secret.path}`, {
        mount: mount.path,
        path: g.secret.path,
        keys: g.secret.keys,
        length: g.origin.length,
        charset: g.origin.charset,
        generation: g.origin.generation,
        metadata: secretMetadata(g.secret),
      });
    }
    for (const s of plan.external) {
      new ExternalSecretSlot(this, `slot-${s.path}`, { mount: mount.path, path: s.path, metadata: secretMetadata(s) });
    }
  }
}
