/**
 * The Terraform policy: what applying the vault-config layer needs, path by path, and nothing else.
 * It is derived from the same plan the stack is built from, so every mount, policy, role and audit
 * device the stack declares is covered by name, and nothing outside them is.
 *
 * Its own pieces (this policy, the CI auth method and its role) are read-only to it: CI cannot widen
 * its own access. Changing them takes an operator token (see README, "AWS keys, backups and the
 * apply identity").
 */
import type { Capability } from './schema';

/** What the Terraform policy must cover. */
export interface TerraformPolicyInputs {
  readonly name: string;
  readonly mount: string;
  /** Every other policy the stack writes. */
  readonly policyNames: readonly string[];
  /** Kubernetes auth method path and the roles in it. */
  readonly kubernetesAuthPath: string;
  readonly kubernetesRoles: readonly string[];
  /** Audit device paths. */
  readonly auditPaths: readonly string[];
  /** Secrets the stack writes values into (generated) and those it writes only metadata for (external). */
  readonly generatedPaths: readonly string[];
  readonly slotPaths: readonly string[];
  /** The CI auth method and role, read-only to the policy. */
  readonly applyIdentity?: { readonly authPath: string; readonly roleName: string };
}

interface Grant {
  readonly path: string;
  readonly capabilities: readonly Capability[];
}

const CRUD: Capability[] = ['create', 'read', 'update', 'delete'];

/** The grants, sorted by path. */
export function terraformPolicyGrants(i: TerraformPolicyInputs): Grant[] {
  const grants: Grant[] = [
    // The KV v2 mount and its engine settings.
    { path: `sys/mounts/${i.mount}`, capabilities: CRUD },
    { path: `sys/mounts/${i.mount}/tune`, capabilities: ['read', 'update'] },
    { path: `${i.mount}/config`, capabilities: ['create', 'read', 'update'] },
    // Mount-like objects left in Vault but not in state (an apply killed before OpenTofu wrote state,
    // the KV mount kept by a destroy) are adopted: the stack reads the tables of engines and auth
    // methods (paths and settings, no secret) at plan time (constructs/existing-vault-objects.ts).
    { path: 'sys/mounts', capabilities: ['read'] },
    { path: 'sys/auth', capabilities: ['read'] },
    // Kubernetes auth: enabling an auth method is sudo-protected.
    { path: `sys/auth/${i.kubernetesAuthPath}`, capabilities: [...CRUD, 'sudo'] },
    { path: `sys/mounts/auth/${i.kubernetesAuthPath}`, capabilities: ['read'] },
    { path: `sys/mounts/auth/${i.kubernetesAuthPath}/tune`, capabilities: ['read', 'update'] },
    { path: `auth/${i.kubernetesAuthPath}/config`, capabilities: ['create', 'read', 'update'] },
    ...i.kubernetesRoles.map((r) => ({ path: `auth/${i.kubernetesAuthPath}/role/${r}`, capabilities: CRUD })),
    // Policies, by name; its own is read-only.
    ...i.policyNames.map((p) => ({ path: `sys/policies/acl/${p}`, capabilities: CRUD })),
    { path: `sys/policies/acl/${i.name}`, capabilities: ['read'] },
    // Audit devices are sudo-protected; the provider reads the list to find its device, and the
    // stack reads it to adopt a device that exists but is not in state.
    ...i.auditPaths.map((a) => ({ path: `sys/audit/${a}`, capabilities: [...CRUD, 'sudo'] as Capability[] })),
    { path: 'sys/audit', capabilities: ['read', 'sudo'] },
    // Generated values are written, never read; external slots get their metadata only.
    ...i.generatedPaths.map((p) => ({ path: `${i.mount}/data/${p}`, capabilities: ['create', 'update', 'delete'] as Capability[] })),
    ...[...i.generatedPaths, ...i.slotPaths].map((p) => ({ path: `${i.mount}/metadata/${p}`, capabilities: ['create', 'read', 'update'] as Capability[] })),
    // The provider runs under a short-lived child token (no skip_child_token).
    { path: 'auth/token/create', capabilities: ['update'] },
  ];
  if (i.applyIdentity) {
    const a = i.applyIdentity;
    grants.push(
      { path: `sys/auth/${a.authPath}`, capabilities: ['read', 'sudo'] },
      { path: `sys/mounts/auth/${a.authPath}`, capabilities: ['read'] },
      { path: `sys/mounts/auth/${a.authPath}/tune`, capabilities: ['read'] },
      { path: `auth/${a.authPath}/config`, capabilities: ['read'] },
      { path: `auth/${a.authPath}/role/${a.roleName}`, capabilities: ['read'] },
    );
  }
  return grants.sort((a, b) => a.path.localeCompare(b.path));
}
