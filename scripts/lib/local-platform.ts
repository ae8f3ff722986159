/**
 * The `local` environment as a whole platform: OpenBao (scripts/lib/openbao.ts) and a bare local
 * control plane with the ESO controller (scripts/lib/cluster.ts), and the environment each of the
 * three local stacks needs to plan or apply against them (tests, the demo and the review use this).
 *
 * Apply order: `<platform>-local-cluster` (namespaces, the token reviewer, monitors), then
 * `<platform>-local-vault-config` (needs a reviewer token, so it is minted after the cluster layer
 * exists), then `<platform>-local-sync`.
 */
import { randomBytes } from 'node:crypto';
import type { LocalCluster } from './cluster';
import { localStackEnv, type OpenBaoServer } from './openbao';
import { sleep } from './processes';

/** The token-reviewer service account the local cluster layer creates (constructs/token-reviewer.ts). */
export const TOKEN_REVIEWER_ACCOUNT = 'vault-token-reviewer';

/** Identifies the platform being deployed: its name and Vault namespace. */
export interface LocalPlatformTarget {
  /** Platform name (the kubeconfig context is `<name>-local`). */
  readonly name: string;
  /** Namespace of Vault and of the token reviewer (`vault.namespace` of the platform). */
  readonly vaultNamespace: string;
}

/** Environment for the local cluster stack: the kubernetes provider's kubeconfig variables. */
export function localKubeEnv(cluster: LocalCluster, target: LocalPlatformTarget): Record<string, string> {
  return { TF_VAR_kubeconfig_path: cluster.kubeconfig, TF_VAR_kube_context: `${target.name}-local` };
}

/**
 * Environment for the local Vault configuration stack: the OpenBao client, the API server's host
 * and CA, and a fresh token of the reviewer service account (so the cluster layer must be applied
 * first). The token lives only in this environment and in Vault, written write-only.
 */
export async function localVaultLayerEnv(bao: OpenBaoServer, cluster: LocalCluster, target: LocalPlatformTarget): Promise<Record<string, string>> {
  const reviewerJwt = await cluster.createToken(target.vaultNamespace, TOKEN_REVIEWER_ACCOUNT, { seconds: 24 * 3600 });
  return localStackEnv(bao, { server: cluster.server, caCert: cluster.caCert, reviewerJwt });
}

/** Environment for the local sync stack: kubeconfig, and the Vault address ESO uses. */
export function localSyncLayerEnv(bao: OpenBaoServer, cluster: LocalCluster, target: LocalPlatformTarget): Record<string, string> {
  return { ...localKubeEnv(cluster, target), TF_VAR_vault_address: bao.addr };
}

/** An ExternalSecret's name and its Ready condition, as ESO reports it. */
export interface ExternalSecretStatus {
  readonly namespace: string;
  readonly name: string;
  /** `True`, `False` or `Unknown` (no condition yet). */
  readonly ready: string;
  /** The Ready condition's reason, e.g. `SecretSynced` or `SecretSyncedError`. */
  readonly reason?: string;
}

/** Every ExternalSecret in the cluster with its Ready condition. */
export async function externalSecretStatuses(cluster: LocalCluster): Promise<ExternalSecretStatus[]> {
  const list = JSON.parse(await cluster.kubectl(['get', 'externalsecrets.external-secrets.io', '-A', '-o', 'json'])) as {
    items: Array<{ metadata: { namespace: string; name: string }; status?: { conditions?: Array<{ type: string; status: string; reason?: string }> } }>;
  };
  return list.items.map((i) => {
    const c = i.status?.conditions?.find((x) => x.type === 'Ready');
    return { namespace: i.metadata.namespace, name: i.metadata.name, ready: c?.status ?? 'Unknown', reason: c?.reason };
  });
}

/** Waits until `expected` ExternalSecrets exist and all are Ready; resolves their statuses. */
export async function waitForAllSynced(cluster: LocalCluster, expected: number, timeoutMs = 180_000): Promise<ExternalSecretStatus[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const list = await externalSecretStatuses(cluster);
    if (list.length === expected && list.every((e) => e.ready === 'True')) return list;
    if (Date.now() > deadline) {
      const pending = list.filter((e) => e.ready !== 'True').map((e) => `${e.namespace}/${e.name} (${e.reason ?? e.ready})`);
      throw new Error(`after ${timeoutMs} ms, ${list.length}/${expected} ExternalSecrets exist and these are not synced: ${pending.join(', ') || 'none'}`);
    }
    await sleep(500);
  }
}

/**
 * Fills the external slots out of band, as their owners would: random values for every declared
 * key, written with the root token. Nothing is printed or returned.
 */
export async function fillExternalSlots(bao: OpenBaoServer, mount: string, slots: ReadonlyArray<{ readonly path: string; readonly keys: readonly string[] }>): Promise<void> {
  for (const s of slots) {
    const data = Object.fromEntries(s.keys.map((k) => [k, randomBytes(24).toString('base64url')]));
    const r = await fetch(`${bao.addr}/v1/${mount}/data/${s.path}`, {
      method: 'POST',
      headers: { 'x-vault-token': bao.rootToken, 'content-type': 'application/json' },
      body: JSON.stringify({ data }),
    });
    if (r.status !== 200) throw new Error(`filling ${mount}/${s.path}: HTTP ${r.status}`);
  }
}
