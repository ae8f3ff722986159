import { Fn, TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
import { constructIds } from '../config/names';
import { allPolicies, allRoles, AUDIT_DEVICE_PATHS, KUBERNETES_AUTH_PATH, type PlatformPlan } from '../config/plan';
import type { SecretConfig } from '../config/schema';
import { AuditDevice } from '../constructs/audit-device';
import { CiApplyIdentity } from '../constructs/ci-apply-identity';
import { ExistingVaultObjects } from '../constructs/existing-vault-objects';
import { ExternalSecretSlot } from '../constructs/external-secret-slot';
import { GeneratedSecret } from '../constructs/generated-secret';
import { KubernetesAuth } from '../constructs/kubernetes-auth';
import { KvV2Mount } from '../constructs/kv-v2-mount';
import { VaultPolicy } from '../constructs/vault-policy';
import { durationSeconds } from '../config/durations';
import { PlatformStack } from './platform-stack';
import { RandomProvider, vaultProvider } from './providers';

/** The file on the audit volume (rotated by the reloader sidecar, constructs/vault-reloader.ts). */
const AUDIT_FILE = '/vault/audit/vault-audit.log';

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
    // An apply killed before OpenTofu wrote state, or a destroy (which keeps the mount), leaves
    // mount-like objects in Vault that state does not know: the next apply adopts them.
    const existing = new ExistingVaultObjects(this, 'existing');
    existing.adopt(mount.resource, 'mounts', plan.mount);
    const audits: AuditDevice[] = [];
    if (!plan.env.cluster) {
      audits.push(new AuditDevice(this, 'audit', { filePath: 'stdout', path: AUDIT_DEVICE_PATHS[0] }));
    } else {
      // Two devices, so that one failing (a full volume) does not stop Vault.
      if (plan.security.audit.file) audits.push(new AuditDevice(this, 'audit', { filePath: AUDIT_FILE, path: AUDIT_DEVICE_PATHS[0] }));
      audits.push(new AuditDevice(this, 'audit-stdout', { filePath: 'stdout', path: AUDIT_DEVICE_PATHS[1], description: 'All requests and responses, secrets HMAC-hashed, to the pod log' }));
    }
    for (const a of audits) existing.adopt(a.resource, 'audit', a.devicePath);
    const local = plan.env.cluster ? undefined : localKubernetesAuthInputs(this, plan);
    const auth = new KubernetesAuth(this, 'kubernetes-auth', {
      path: KUBERNETES_AUTH_PATH,
      kubernetesHost: local?.host ?? plan.env.auth.kubernetesHost,
      kubernetesCaCert: local?.caCert,
      tokenReviewerJwt: local?.reviewerJwt,
    });
    existing.adopt(auth.backend, 'auth', KUBERNETES_AUTH_PATH);
    this.policies = allPolicies(plan).map((p) => new VaultPolicy(this, constructIds.policy(p.name), { name: p.name, grants: p.grants }));
    // A role may name policies that do not exist yet (Vault resolves them at login), so no ordering is needed.
    for (const role of allRoles(plan)) auth.addRole(role);
    const ci = plan.applyIdentity;
    if (ci) {
      const identity = new CiApplyIdentity(this, 'ci', {
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
      existing.adopt(identity.backend, 'auth', ci.authPath);
    }
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
