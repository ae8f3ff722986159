/**
 * The `local` environment as a whole platform: OpenBao (scripts/lib/openbao.ts) and a bare local
 * control plane with the ESO controller (scripts/lib/cluster.ts), and the environment each of the
 * three local stacks needs to plan or apply against them (tests, the demo and the review use this).
 *
 * Apply order: `<platform>-local-cluster` (namespaces, the token reviewer, monitors), then
 * `<platform>-local-vault-config` (needs a reviewer token, so it is minted after the cluster layer
 * exists), then `<platform>-local-sync`.
 */
import type { LocalCluster } from './cluster';
import { localStackEnv, type OpenBaoServer } from './openbao';

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
