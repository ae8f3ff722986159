/**
 * Proves the who-can-read-what matrix against a live Vault: for a few services, a token carrying
 * exactly that service's access reads one of the service's own secrets and is refused a
 * neighbour's. Only paths and HTTP statuses come out of here; a response body (which holds the
 * secret's values) is read only to be discarded.
 */
import type { PlatformPlan, ServicePlan } from '../../config/plan';
import { vaultRequest } from './vault-http';

/** How a service gets its Vault token. */
export interface ServiceLogin {
  /** Shown next to each proof, e.g. "kubernetes auth, role waqiti-payment-service". */
  readonly describe: (service: ServicePlan) => string;
  /** Returns a client token carrying the service's access. */
  readonly login: (service: ServicePlan) => Promise<string>;
}

/** One HTTP call of a proof. */
export interface ProbeResult {
  readonly method: string;
  /** Vault API path, e.g. `waqiti/data/payment-service`. */
  readonly path: string;
  readonly status: number;
}

/** The proof for one service. */
export interface ServiceProof {
  readonly service: string;
  readonly login: string;
  readonly own: ProbeResult;
  readonly neighbour: ProbeResult & { readonly owner: string };
  /** Own read answered 200 and the neighbour's read 403. */
  readonly ok: boolean;
}

/** One Vault API call; the body is returned only to the caller in this file. */
const call = vaultRequest;

/**
 * Without a Kubernetes API server, Kubernetes auth cannot review a service-account token. The
 * stand-in is a token created by the operator with exactly the policies the service's role grants
 * (and its TTL), which is what a Kubernetes login would return.
 */
export function tokenWithRolePolicies(addr: string, operatorToken: string): ServiceLogin {
  return {
    describe: (s) => `token with exactly role ${s.role.name}'s policies (${s.role.policies.join(', ')})`,
    async login(s) {
      const r = await call(addr, operatorToken, 'POST', 'auth/token/create', {
        policies: s.role.policies,
        ttl: `${Math.min(s.role.tokenTtlSeconds, 600)}s`,
        display_name: `demo-${s.name}`,
        no_parent: true,
      });
      const token = (r.body as { auth?: { client_token?: string } } | undefined)?.auth?.client_token;
      if (r.status !== 200 || !token) throw new Error(`POST /v1/auth/token/create for ${s.name} answered ${r.status}`);
      return token;
    },
  };
}

/** Kubernetes auth login with a service-account JWT (from a TokenRequest with audience `vault`). */
export function kubernetesLogin(addr: string, jwtFor: (service: ServicePlan) => Promise<string>, mountPath = 'kubernetes'): ServiceLogin {
  return {
    describe: (s) => `kubernetes auth, role ${s.role.name}, service account ${s.namespace}/${s.serviceAccounts[0]}`,
    async login(s) {
      const r = await call(addr, undefined, 'POST', `auth/${mountPath}/login`, { role: s.role.name, jwt: await jwtFor(s) });
      const token = (r.body as { auth?: { client_token?: string } } | undefined)?.auth?.client_token;
      if (r.status !== 200 || !token) {
        const errors = (r.body as { errors?: unknown[] } | undefined)?.errors ?? [];
        throw new Error(`POST /v1/auth/${mountPath}/login as ${s.role.name} answered ${r.status}: ${errors.join('; ')}`);
      }
      return token;
    },
  };
}

/** Whether a policy path pattern (with `*` suffix or `+` segments) covers a concrete path. */
function covers(pattern: string, path: string): boolean {
  const re = new RegExp(`^${pattern.split('').map((c) => (c === '*' ? '.*' : c === '+' ? '[^/]+' : c.replace(/[.?^${}()|[\]\\]/g, '\\$&'))).join('')}$`);
  return re.test(path);
}

/** A service that syncs through its own SecretStore, and a secret of the platform it may not read. */
export function refusedSyncPair(plan: PlatformPlan): { service: ServicePlan; path: string } | undefined {
  for (const service of plan.services.filter((s) => s.syncs.length > 0)) {
    const readable = (path: string) => service.policy.grants.some((g) => covers(g.path, `${plan.mount}/data/${path}`));
    const other = plan.platform.secrets.find((sec) => !readable(sec.path));
    if (other) return { service, path: other.path };
    // A broad grant can cover every secret of the platform; a path outside it is refused all the same.
    if (!readable('not-granted/demo')) return { service, path: 'not-granted/demo' };
  }
  return undefined;
}

/**
 * Services to prove, each with an own generated secret (it exists right after the deploy, so an
 * allowed read answers 200) and a neighbour's generated secret that none of its grants covers.
 * Prefers services whose own secrets differ.
 */
export function pickProofs(plan: PlatformPlan, count: number): Array<{ service: ServicePlan; own: string; neighbour: string; neighbourOwner: string }> {
  const generated = new Set(plan.generated.map((g) => g.secret.path));
  const picked: Array<{ service: ServicePlan; own: string; neighbour: string; neighbourOwner: string }> = [];
  const usedOwn = new Set<string>();
  for (const service of plan.services) {
    if (picked.length >= count) break;
    // Its most private generated secret: the one read by the fewest services.
    const readers = (p: string) => plan.services.filter((o) => o.secrets.some((s) => s.path === p)).length;
    const own = service.secrets
      .map((s) => s.path)
      .filter((p) => generated.has(p) && !usedOwn.has(p))
      .sort((a, b) => readers(a) - readers(b))[0];
    if (!own) continue;
    const readable = (p: string) => service.policy.grants.some((g) => covers(g.path, `${plan.mount}/data/${p}`));
    const neighbourService = plan.services.find((o) => o !== service && o.secrets.some((s) => generated.has(s.path) && !readable(s.path)));
    if (!neighbourService) continue;
    const neighbour = neighbourService.secrets.find((s) => generated.has(s.path) && !readable(s.path))!.path;
    usedOwn.add(own);
    picked.push({ service, own, neighbour, neighbourOwner: neighbourService.name });
  }
  return picked;
}

/** Logs in as each picked service, reads its own secret and a neighbour's, revokes the token. */
export async function proveAccess(addr: string, plan: PlatformPlan, login: ServiceLogin, count = 3): Promise<ServiceProof[]> {
  const proofs: ServiceProof[] = [];
  for (const p of pickProofs(plan, count)) {
    const token = await login.login(p.service);
    try {
      const ownPath = `${plan.mount}/data/${p.own}`;
      const neighbourPath = `${plan.mount}/data/${p.neighbour}`;
      const own = (await call(addr, token, 'GET', ownPath)).status;
      const neighbour = (await call(addr, token, 'GET', neighbourPath)).status;
      proofs.push({
        service: p.service.name,
        login: login.describe(p.service),
        own: { method: 'GET', path: ownPath, status: own },
        neighbour: { method: 'GET', path: neighbourPath, status: neighbour, owner: p.neighbourOwner },
        ok: own === 200 && neighbour === 403,
      });
    } finally {
      await call(addr, token, 'POST', 'auth/token/revoke-self');
    }
  }
  return proofs;
}
