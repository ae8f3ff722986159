import { TerraformVariable } from 'cdktf';
import type { Construct } from 'constructs';
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

/** The file on the audit volume (rotated by the reloader sidecar, constructs/vault-reloader.ts). */
const AUDIT_FILE = '/vault/audit/vault-audit.log';

/**
 * Without a cluster, Vault does not run in a pod, so it cannot read the pod's service account CA:
 * the API server's CA (public, PEM) comes in as a variable, e.g. `TF_VAR_kubernetes_ca_cert`.
 */
const kubernetesCaCertVariable = (scope: Construct) =>
  new TerraformVariable(scope, 'kubernetes_ca_cert', {
    type: 'string',
    description: 'PEM CA certificate of the Kubernetes API server that Vault reviews tokens against (public, not a secret).',
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
    if (!plan.env.cluster) {
      new AuditDevice(this, 'audit', { filePath: 'stdout' });
    } else {
      // Two devices, so that one failing (a full volume) does not stop Vault.
      if (plan.security.audit.file) new AuditDevice(this, 'audit', { filePath: AUDIT_FILE });
      new AuditDevice(this, 'audit-stdout', { filePath: 'stdout', path: 'stdout', description: 'All requests and responses, secrets HMAC-hashed, to the pod log' });
    }
    const auth = new KubernetesAuth(this, 'kubernetes-auth', {
      kubernetesHost: plan.env.auth.kubernetesHost,
      kubernetesCaCert: plan.env.cluster ? undefined : kubernetesCaCertVariable(this).stringValue,
    });
    this.policies = allPolicies(plan).map((p) => new VaultPolicy(this, `policy-${p.name}`, { name: p.name, grants: p.grants }));
    // A role may name policies that do not exist yet (Vault resolves them at login), so no ordering is needed.
    for (const role of allRoles(plan)) auth.addRole(role);
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
