import { TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import { constructIds } from '../config/names';
import { allPolicies, allRoles, type PlatformPlan } from '../config/plan';
import type { SecretConfig } from '../config/schema';
import { AuditDevice } from '../constructs/audit-device';
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
 * The local environment's Vault runs outside the cluster (next to a bare local API server), so it
 * cannot read a pod's service account CA or token. The API server's host and CA (public, PEM) and a
 * token-reviewer JWT come in as variables; the JWT is ephemeral (never in plan or state) and is
 * written through the provider's write-only argument. Mint it with
 * `kubectl -n vault create token vault-token-reviewer` (the local cluster layer creates that service
 * account, bound to `system:auth-delegator`).
 */
function localKubernetesAuthInputs(scope: Construct, plan: PlatformPlan) {
  const host = new TerraformVariable(scope, 'kubernetes_host', {
    type: 'string',
    default: plan.env.auth.kubernetesHost,
    description: 'URL of the Kubernetes API server that Vault sends TokenReviews to.',
  });
  const caCert = new TerraformVariable(scope, 'kubernetes_ca_cert', {
    type: 'string',
    description: 'PEM CA certificate of the Kubernetes API server that Vault reviews tokens against (public, not a secret).',
  });
  const reviewerJwt = new TerraformVariable(scope, 'kubernetes_reviewer_jwt', {
    type: 'string',
    sensitive: true,
    description: 'Token of the token-reviewer service account (system:auth-delegator). Ephemeral: never stored in plan or state.',
  });
  reviewerJwt.addOverride('ephemeral', true);
  const reviewerJwtVersion = new TerraformVariable(scope, 'kubernetes_reviewer_jwt_version', {
    type: 'number',
    default: 1,
    description: 'Bump to write a new kubernetes_reviewer_jwt into Vault (the value itself is write-only).',
  });
  return { host: host.stringValue, caCert: caCert.stringValue, reviewerJwt: { value: reviewerJwt.stringValue, version: reviewerJwtVersion.numberValue } };
}

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
    new AuditDevice(this, 'audit', { filePath: auditFilePath(plan) });
    const local = plan.env.cluster ? undefined : localKubernetesAuthInputs(this, plan);
    const auth = new KubernetesAuth(this, 'kubernetes-auth', {
      kubernetesHost: local?.host ?? plan.env.auth.kubernetesHost,
      kubernetesCaCert: local?.caCert,
      tokenReviewerJwt: local?.reviewerJwt,
    });
    this.policies = allPolicies(plan).map((p) => new VaultPolicy(this, constructIds.policy(p.name), { name: p.name, grants: p.grants }));
    // A role may name policies that do not exist yet (Vault resolves them at login), so no ordering is needed.
    for (const role of allRoles(plan)) auth.addRole(role);
    for (const g of plan.generated) {
      new GeneratedSecret(this, constructIds.generated(g.secret.path), {
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
      new ExternalSecretSlot(this, constructIds.slot(s.path), { mount: mount.path, path: s.path, metadata: secretMetadata(s) });
    }
  }
}
