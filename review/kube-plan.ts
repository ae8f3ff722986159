/**
 * Real plans of the `local` environment's Kubernetes layers (`cluster` and `sync`) against a local
 * kube-apiserver with the ESO, Prometheus-operator and cert-manager CRDs applied
 * (scripts/lib/cluster.ts). One control plane per platform is started on first use and shared by
 * that platform's stacks (two platforms' cluster layers both declare the `vault` and ESO
 * namespaces); `close()` stops them all. Replacements of `kubernetes_manifest`s then come from the
 * kubernetes provider's own plan.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalCluster, type LocalCluster } from '../scripts/lib/cluster';
import { loadToolchainEnv, toolchainDir } from '../scripts/lib/toolchain-env';
import { splitStackName } from './access-diff';
import type { StackJson } from './synthesize';
import type { Planner } from './vault-plan';

/**
 * Stamp name prefixes of what these plans need beyond tofu: the control plane, the ESO build (the
 * harness applies its CRD bundle) and the kubernetes provider.
 */
export const KUBE_PLAN_TOOLS = ['etcd-', 'kube-', 'eso-', 'provider-kubernetes-'] as const;

/** True when the toolchain cache has built everything a kube plan needs. */
export function kubePlansAvailable(dir = toolchainDir()): boolean {
  const stamps = join(dir, 'stamps');
  if (!existsSync(stamps)) return false;
  const done = readdirSync(stamps).filter((f) => f.endsWith('.done'));
  return KUBE_PLAN_TOOLS.every((prefix) => done.some((f) => f.startsWith(prefix)));
}

const hasLocalBackend = (stack: StackJson) => stack.terraform?.backend !== undefined && 'local' in stack.terraform.backend;
const usesKubernetes = (stack: StackJson) => stack.provider !== undefined && typeof stack.provider === 'object' && 'kubernetes' in (stack.provider as object);

/** The kubernetes provider versions in the toolchain's mirror, newest first. */
function mirroredKubernetesVersions(): string[] {
  const mirror = loadToolchainEnv().VSP_PROVIDER_MIRROR ?? join(toolchainDir(), 'mirror');
  const dir = join(mirror, 'registry.opentofu.org', 'hashicorp', 'kubernetes');
  return existsSync(dir) ? readdirSync(dir).sort((a, b) => b.localeCompare(a, undefined, { numeric: true })) : [];
}

/**
 * The stacks pin the kubernetes provider of their prebuilt bindings (2.38.0), which this machine
 * cannot build; the mirror has 3.2.1, whose resources and provider arguments these stacks use
 * unchanged. The planned copy of the stack takes the mirrored version, and the report says so.
 */
export function useMirroredKubernetesProvider(dir: string): string | undefined {
  const file = join(dir, 'cdk.tf.json');
  const stack = JSON.parse(readFileSync(file, 'utf8')) as { terraform?: { required_providers?: Record<string, { version?: string }> } };
  const pinned = stack.terraform?.required_providers?.kubernetes;
  const available = mirroredKubernetesVersions();
  if (!pinned?.version || available.length === 0 || available.includes(pinned.version)) return undefined;
  const was = pinned.version;
  pinned.version = available[0];
  writeFileSync(file, JSON.stringify(stack, null, 2));
  return `kubernetes provider ${available[0]} used in place of the pinned ${was}, which this machine cannot build`;
}

/** Plans the local `cluster` and `sync` stacks against one local kube-apiserver per platform. */
export function localClusterPlanner(): Planner {
  const clusters = new Map<string, Promise<LocalCluster>>();
  return {
    target: 'kube-apiserver',
    plans: (stack, name) => {
      const { env, layer } = splitStackName(name);
      return env === 'local' && (layer === 'sync' || layer === 'cluster') && hasLocalBackend(stack) && usesKubernetes(stack);
    },
    prepare: useMirroredKubernetesProvider,
    // Namespaces first: the manifests in them carry no dependency on them.
    applyFirst: (stack) => Object.keys(stack.resource?.kubernetes_namespace_v1 ?? {}).map((n) => `kubernetes_namespace_v1.${n}`),
    async start(name) {
      const { platform, env } = splitStackName(name);
      const t0 = Date.now();
      let started = clusters.get(platform);
      const fresh = !started;
      if (!started) {
        started = startLocalCluster({ contexts: [`${platform}-${env}`] });
        clusters.set(platform, started);
      }
      const cluster = await started;
      return {
        env: { TF_VAR_kubeconfig_path: cluster.kubeconfig, TF_VAR_kube_context: `${platform}-${env}` },
        startMs: fresh ? Date.now() - t0 : 0,
        release: async () => undefined,
      };
    },
    async close() {
      const all = [...clusters.values()];
      clusters.clear();
      for (const c of all) await (await c.catch(() => undefined))?.stop();
    },
  };
}
