import type { App } from 'cdktf';
import type { PlatformPlan } from '../config/plan';
import { BackupStack } from './backup-stack';
import { ClusterStack } from './cluster-stack';
import { LocalClusterStack } from './local-cluster-stack';
import type { PlatformStack } from './platform-stack';
import { SyncStack } from './sync-stack';
import { UnsealStack } from './unseal-stack';
import { VaultConfigStack } from './vault-config-stack';

/**
 * Every stack of one platform × environment, with their order declared:
 * unseal → cluster → vault-config → sync, and backup → sync.
 * `local` runs on a bare local API server with OpenBao and the ESO controller as local processes:
 * its cluster layer holds only what such a server can hold, and it has no AWS layers.
 */
export function createPlatformStacks(app: App, plan: PlatformPlan): PlatformStack[] {
  if (!plan.env.cluster) {
    const cluster = new LocalClusterStack(app, plan);
    const vaultConfig = new VaultConfigStack(app, plan);
    vaultConfig.addDependency(cluster);
    const sync = new SyncStack(app, plan, undefined);
    sync.addDependency(vaultConfig);
    return [cluster, vaultConfig, sync];
  }
  const unseal = plan.env.unseal.type === 'awskms' ? new UnsealStack(app, plan) : undefined;
  const cluster = new ClusterStack(app, plan, unseal);
  const vaultConfig = new VaultConfigStack(app, plan);
  vaultConfig.addDependency(cluster);
  const backup = plan.backup ? new BackupStack(app, plan, plan.backup) : undefined;
  const sync = new SyncStack(app, plan, backup);
  sync.addDependency(vaultConfig);
  return [...(unseal ? [unseal] : []), cluster, vaultConfig, ...(backup ? [backup] : []), sync];
}
