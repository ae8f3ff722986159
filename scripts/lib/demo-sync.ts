/**
 * The sync half of the demo on the local cluster (scripts/lib/local-platform.ts fills the slots and
 * waits for ESO): list the Kubernetes Secrets ESO wrote (names and key names only), and show a sync
 * that Vault refuses: an ExternalSecret in one service's namespace, through that service's
 * SecretStore, asking for a neighbour's secret.
 */
import type { PlatformPlan } from '../../config/plan';
import type { LocalCluster } from './cluster';

/** The Ready condition of one ExternalSecret. */
export interface SyncStatus {
  readonly namespace: string;
  readonly name: string;
  readonly ready: boolean;
  readonly reason: string;
  /** ESO's message (names paths and errors, never values). */
  readonly message: string;
}

/** A Kubernetes Secret written by ESO: names only. */
export interface SyncedSecret {
  readonly namespace: string;
  readonly name: string;
  readonly keys: readonly string[];
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));


interface EsObject {
  metadata: { namespace: string; name: string };
  status?: { conditions?: Array<{ type: string; status: string; reason?: string; message?: string }> };
}

const statusOf = (o: EsObject): SyncStatus => {
  const c = o.status?.conditions?.find((x) => x.type === 'Ready');
  return { namespace: o.metadata.namespace, name: o.metadata.name, ready: c?.status === 'True', reason: c?.reason ?? 'Pending', message: c?.message ?? '' };
};

/** The Secrets ESO wrote for the plan's syncs: namespace, name and key names (values are dropped). */
export async function syncedSecrets(cluster: LocalCluster, plan: PlatformPlan): Promise<SyncedSecret[]> {
  const out: SyncedSecret[] = [];
  for (const ns of [...new Set(plan.syncs.map((s) => s.namespace))].sort()) {
    const list = JSON.parse(await cluster.kubectl(['get', 'secrets', '-n', ns, '-o', 'json'])) as { items: Array<{ metadata: { name: string }; data?: Record<string, string> }> };
    const names = new Set(plan.syncs.filter((s) => s.namespace === ns).map((s) => s.targetName));
    for (const item of list.items) {
      if (names.has(item.metadata.name)) out.push({ namespace: ns, name: item.metadata.name, keys: Object.keys(item.data ?? {}).sort() });
    }
  }
  return out;
}

/**
 * Creates an ExternalSecret in `service`'s namespace, through its own SecretStore, for a secret the
 * service may not read; waits for ESO to report the failure, then deletes it.
 */
export async function refusedSync(cluster: LocalCluster, plan: PlatformPlan, serviceName: string, neighbourPath: string, timeoutMs = 90_000): Promise<SyncStatus> {
  const svc = plan.services.find((s) => s.name === serviceName)!;
  const store = svc.syncs[0]?.storeName;
  if (!store) throw new Error(`${serviceName} has no SecretStore`);
  const keys = plan.platform.secrets.find((s) => s.path === neighbourPath)?.keys ?? ['value'];
  const name = `demo-refused-${neighbourPath.replace(/[^a-z0-9-]+/g, '-')}`.slice(0, 63);
  const manifest = {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: { name, namespace: svc.namespace },
    spec: {
      refreshInterval: '15s',
      secretStoreRef: { kind: 'SecretStore', name: store },
      target: { name, creationPolicy: 'Owner' },
      data: keys.map((k) => ({ secretKey: k, remoteRef: { key: neighbourPath, property: k } })),
    },
  };
  await cluster.kubectl(['apply', '-f', '-'], JSON.stringify(manifest));
  try {
    const deadline = Date.now() + timeoutMs;
    let last: SyncStatus = { namespace: svc.namespace, name, ready: false, reason: 'Pending', message: '' };
    while (Date.now() < deadline) {
      last = statusOf(JSON.parse(await cluster.kubectl(['get', 'externalsecrets.external-secrets.io', '-n', svc.namespace, name, '-o', 'json'])) as EsObject);
      if (last.ready || last.reason !== 'Pending') return last;
      await sleep(1000);
    }
    return last;
  } finally {
    await cluster.kubectl(['delete', 'externalsecrets.external-secrets.io', '-n', svc.namespace, name, '--wait=false']);
  }
}

/** Whether a Secret named `name` exists in `namespace`. */
export async function secretExists(cluster: LocalCluster, namespace: string, name: string): Promise<boolean> {
  const r = await cluster.api('GET', `/api/v1/namespaces/${namespace}/secrets/${name}`);
  return r.status === 200;
}
