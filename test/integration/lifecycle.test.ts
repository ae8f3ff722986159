/**
 * Lifecycle of the Vault layer (the `local` vault-config stack of each reference platform) on a real
 * OpenBao with the toolchain's OpenTofu, one sequence per platform:
 *
 *  1. the platform is deployed; then an apply that adds generated secrets is SIGKILLed in the
 *     middle; the next apply converges: one mount, one auth method, one audit device, one state
 *     entry per secret, every secret present, and every generated secret written before keeps its
 *     value and its single version. (A killed *first* apply is not covered: see the note there.)
 *  2. external slots are filled out of band; bumping one generated secret's `generation` writes a
 *     new version of exactly that secret, with new values; no other secret gets a new version;
 *  3. OpenBao is restarted; the next plan is empty;
 *  4. the layer is destroyed (every resource except the KV mount itself; see the note on that test)
 *     and applied again: it converges, and the external slots' values survive.
 *
 * Values are compared as SHA-256 digests held in memory; no value or digest is printed.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { localStackEnv, startOpenBao, type OpenBaoServer } from '../../scripts/lib/openbao';
import { tofu, tofuInit, TofuError } from '../../scripts/lib/tofu';
import { toolchainProcessEnv } from '../../scripts/lib/toolchain-env';
import { baoOk, baoRequest } from '../support/openbao-client';
import { platformVariant } from '../support/platform-variants';
import { runApp } from '../support/run-app';
import { platformNamed } from '../support/synth';

jest.setTimeout(600_000);

/** What Vault holds for one secret: its current version and a digest of its data (never the data). */
interface Snapshot {
  readonly version: number;
  readonly digest: string;
}

const digestOf = (data: Record<string, string>) =>
  createHash('sha256')
    .update(JSON.stringify(Object.keys(data).sort().map((k) => [k, data[k]])))
    .digest('hex');

/** `tofu plan -detailed-exitcode`: 0 no changes, 2 changes. */
async function planExit(dir: string, env: Record<string, string>): Promise<number> {
  try {
    await tofu(['plan', '-detailed-exitcode', '-no-color', '-input=false'], { dir, env });
    return 0;
  } catch (err) {
    if (err instanceof TofuError && err.status === 2) return 2;
    throw err;
  }
}

/**
 * Starts `tofu apply -parallelism=1` in its own process group and SIGKILLs tofu as soon as
 * `killWhen` holds for the resources completed so far. The orphaned provider plugins are then
 * killed through the process group. Resolves with the completed addresses.
 */
function applyAndKill(dir: string, env: Record<string, string>, killWhen: (completed: readonly string[]) => boolean): Promise<{ completed: string[]; planned: number; killed: boolean }> {
  const procEnv: NodeJS.ProcessEnv = { ...toolchainProcessEnv(), TF_IN_AUTOMATION: '1', TF_INPUT: '0', ...env };
  const child = spawn(procEnv.VSP_TOFU_BIN ?? 'tofu', [`-chdir=${dir}`, 'apply', '-auto-approve', '-no-color', '-input=false', '-parallelism=1'], {
    env: procEnv,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const completed: string[] = [];
  let planned = 0;
  let killed = false;
  let buffer = '';
  child.stdout.on('data', (d: Buffer) => {
    buffer += d.toString('utf8');
    const lines = buffer.split('\n');
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      const plan = /Plan: (\d+) to add, (\d+) to change/.exec(line);
      if (plan) planned = Number(plan[1]) + Number(plan[2]);
      const m = /^(\S+): (Creation|Modifications) complete/.exec(line);
      if (!m) continue;
      completed.push(m[1]);
      if (!killed && killWhen(completed)) {
        killed = true;
        child.kill('SIGKILL');
      }
    }
  });
  child.stderr.resume();
  return new Promise((resolvePromise, reject) => {
    child.on('error', reject);
    child.on('close', () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // The group is already gone.
      }
      resolvePromise({ completed, planned, killed });
    });
  });
}

/** Paths of the generated secrets the interrupted change adds. */
const ADDED_PATHS = ['lifecycle/added-1', 'lifecycle/added-2', 'lifecycle/added-3', 'lifecycle/added-4', 'lifecycle/added-5', 'lifecycle/added-6'];

/** A platform-variant body adding those secrets, read by the platform's first service. */
const ADDED = (name: string) => `{
  const p = named(${JSON.stringify(name)});
  const svc = p.services[0];
  for (const path of ${JSON.stringify(ADDED_PATHS)}) {
    p.secrets.push({ path, keys: ['value'], consumers: [svc.name], origin: { kind: 'generated', length: 32, charset: 'alphanumeric', generation: 1 },
      rotationPeriod: '90d', owner: 'lifecycle-test', criticality: 'standard', delivery: ['eso'] });
    svc.reads.push(path);
  }
}`;

describe.each(['waqiti', 'pea-forecast'])('%s (local): lifecycle of the Vault layer on a real OpenBao', (name) => {
  const platform = platformNamed(name);
  const mount = platform.kv.mount;
  const stack = `${name}-local-vault-config`;
  const synth = runApp({ VSP_ONLY: `${name}-local` });
  const work = join(synth.outdir, '..');
  const state = join(work, 'state', `${stack}.tfstate`);
  const generated = platform.secrets.filter((s) => s.origin.kind === 'generated');
  const external = platform.secrets.filter((s) => s.origin.kind === 'external');
  const bumped = generated[0];
  let dir = join(synth.outdir, 'stacks', stack);
  let server: OpenBaoServer;
  let env: Record<string, string>;
  const cleanup: string[] = [work];

  /** Version and digest of every secret that has data, by path. */
  async function snapshot(): Promise<Map<string, Snapshot>> {
    const out = new Map<string, Snapshot>();
    for (const s of [...platform.secrets, ...ADDED_PATHS.map((path) => ({ path }))]) {
      const r = await baoRequest(server.addr, server.rootToken, 'GET', `${mount}/data/${s.path}`);
      if (r.status === 404) continue;
      expect(r.status).toBe(200);
      out.set(s.path, { version: r.body.data.metadata.version, digest: digestOf(r.body.data.data) });
    }
    return out;
  }

  /** Managed resource addresses in the state file, each with its `path` attribute when it has one. */
  function stateResources(): Array<{ address: string; path?: string }> {
    const s = JSON.parse(readFileSync(state, 'utf8')) as { resources: Array<{ mode: string; type: string; name: string; instances: Array<{ attributes: { path?: string } }> }> };
    return s.resources.filter((r) => r.mode === 'managed').flatMap((r) => r.instances.map((i) => ({ address: `${r.type}.${r.name}`, path: i.attributes.path })));
  }

  beforeAll(async () => {
    expect(synth.status).toBe(0);
    server = await startOpenBao();
    env = await localStackEnv(server);
    await tofuInit(dir, state, env);
  });
  afterAll(async () => {
    await server?.stop();
    for (const d of cleanup) rmSync(d, { recursive: true, force: true });
  });

  // OpenTofu 1.7+ persists local state during an apply only every 20 s (TF_STATE_PERSIST_INTERVAL
  // cannot go lower), so an apply of this layer (a few seconds) that is SIGKILLed records nothing.
  // If it is the first apply, the next one fails: the KV mount, the auth method and the audit
  // device already exist ("path is already in use"). Here the kill hits an apply on top of a
  // deployed platform, the case an operator meets when a change is interrupted.
  it('tofu SIGKILLed mid-apply: the next apply converges with no duplicate and no lost secret', async () => {
    await tofu(['apply', '-auto-approve', '-no-color', '-input=false'], { dir, env });
    const deployed = await snapshot();
    expect([...deployed.keys()].sort()).toEqual(generated.map((s) => s.path).sort());

    const variant = runApp({ VSP_ONLY: `${name}-local`, VSP_PLATFORMS_MODULE: platformVariant(`${name}-added`, ADDED(name)) });
    expect(variant.status).toBe(0);
    cleanup.push(join(variant.outdir, '..'));
    dir = join(variant.outdir, 'stacks', stack);
    await tofuInit(dir, state, env);
    const run = await applyAndKill(dir, env, (completed) => completed.filter((a) => a.startsWith('vault_kv_secret_v2.')).length >= 2);
    expect(run.killed).toBe(true);
    expect(run.completed.length).toBeLessThan(run.planned);
    // At least one added secret reached Vault before the kill.
    const written = (await snapshot()).size - deployed.size;
    expect(written).toBeGreaterThan(0);

    await tofu(['apply', '-auto-approve', '-no-color', '-input=false'], { dir, env });
    expect(await planExit(dir, env)).toBe(0);

    const after = await snapshot();
    // No lost secret: every generated secret, old and added, holds exactly its keys.
    for (const s of [...generated, ...ADDED_PATHS.map((path) => ({ path, keys: ['value'] }))]) {
      const r = await baoOk(server.addr, server.rootToken, 'GET', `${mount}/data/${s.path}`);
      expect(Object.keys(r.body.data.data).sort()).toEqual([...s.keys].sort());
    }
    // Every secret written before keeps its value and its one version.
    for (const [path, snap] of deployed) expect({ path, ...after.get(path) }).toEqual({ path, ...snap, version: 1 });
    // No duplicates: one KV mount, one Kubernetes auth method, one audit device, one state entry per secret.
    const mounts = (await baoOk(server.addr, server.rootToken, 'GET', 'sys/mounts')).body.data;
    expect(Object.keys(mounts).filter((m) => mounts[m].type === 'kv')).toEqual([`${mount}/`]);
    const auths = (await baoOk(server.addr, server.rootToken, 'GET', 'sys/auth')).body.data;
    expect(Object.keys(auths).filter((m) => auths[m].type === 'kubernetes')).toEqual(['kubernetes/']);
    expect(Object.keys((await baoOk(server.addr, server.rootToken, 'GET', 'sys/audit')).body.data)).toHaveLength(1);
    const secretPaths = stateResources().flatMap((r) => (r.address.startsWith('vault_kv_secret_v2.') ? [r.path] : []));
    expect(secretPaths.sort()).toEqual([...generated.map((s) => s.path), ...ADDED_PATHS].map((p) => `${mount}/data/${p}`).sort());
    // Every external slot's metadata is declared.
    for (const s of external) {
      const meta = await baoOk(server.addr, server.rootToken, 'GET', `${mount}/metadata/${s.path}`);
      expect(meta.body.data.custom_metadata.owner).toBe(s.owner);
    }
  });

  it("bumping one generated secret's generation writes new values for that secret only", async () => {
    // Fill every external slot out of band, as an operator would.
    for (const s of external) {
      const data = Object.fromEntries(s.keys.map((k) => [k, createHash('sha256').update(`${Math.random()}`).digest('hex')]));
      await baoOk(server.addr, server.rootToken, 'POST', `${mount}/data/${s.path}`, { data, options: { cas: 0 } });
    }
    const before = await snapshot();
    expect(before.size).toBe(platform.secrets.length + ADDED_PATHS.length);

    const variant = runApp({
      VSP_ONLY: `${name}-local`,
      VSP_PLATFORMS_MODULE: platformVariant(`${name}-gen`, `${ADDED(name)} secret(named(${JSON.stringify(name)}), ${JSON.stringify(bumped.path)}).origin.generation += 1;`),
    });
    expect(variant.status).toBe(0);
    cleanup.push(join(variant.outdir, '..'));
    dir = join(variant.outdir, 'stacks', stack);
    await tofuInit(dir, state, env);
    await tofu(['apply', '-auto-approve', '-no-color', '-input=false'], { dir, env });
    expect(await planExit(dir, env)).toBe(0);

    const after = await snapshot();
    const changed = [...after].filter(([path, s]) => s.version !== before.get(path)!.version || s.digest !== before.get(path)!.digest).map(([path]) => path);
    expect(changed).toEqual([bumped.path]);
    expect(after.get(bumped.path)!.version).toBe(before.get(bumped.path)!.version + 1);
    expect(after.get(bumped.path)!.digest).not.toBe(before.get(bumped.path)!.digest);
    const meta = await baoOk(server.addr, server.rootToken, 'GET', `${mount}/metadata/${bumped.path}`);
    expect(meta.body.data.custom_metadata.generation).toBe('2');
  });

  it('OpenBao restarted between applies: the next plan is empty', async () => {
    const before = await snapshot();
    await server.restart();
    expect(await planExit(dir, env)).toBe(0);
    expect(await snapshot()).toEqual(before);
  });

  // A whole-stack `tofu destroy` also destroys the KV mount, and unmounting a secrets engine deletes
  // everything in it, external values included. The lifecycle tested here destroys every other
  // resource of the layer (policies, roles, auth method, audit device, secrets, slots).
  it("destroy (all but the KV mount) then apply converges, and the external slots' values survive", async () => {
    const before = await snapshot();
    const targets = stateResources()
      .map((r) => r.address)
      .filter((a) => !a.startsWith('vault_mount.') && !a.startsWith('vault_kv_secret_backend_v2.'));
    expect(targets.length).toBeGreaterThan(platform.secrets.length);
    await tofu(['destroy', '-auto-approve', '-no-color', '-input=false', ...targets.map((t) => `-target=${t}`)], { dir, env });
    expect(stateResources().map((r) => r.address).sort()).toEqual(
      stateResources()
        .map((r) => r.address)
        .filter((a) => a.startsWith('vault_mount.') || a.startsWith('vault_kv_secret_backend_v2.'))
        .sort(),
    );
    const policies = (await baoOk(server.addr, server.rootToken, 'GET', 'sys/policies/acl?list=true')).body.data.keys as string[];
    expect(policies.filter((p) => p.startsWith(`${name}-`))).toEqual([]);
    const between = await snapshot();
    for (const s of external) expect(between.get(s.path)).toEqual(before.get(s.path));

    await tofu(['apply', '-auto-approve', '-no-color', '-input=false'], { dir, env });
    expect(await planExit(dir, env)).toBe(0);
    const after = await snapshot();
    for (const s of external) expect({ path: s.path, ...after.get(s.path) }).toEqual({ path: s.path, ...before.get(s.path) });
    for (const s of generated) {
      const r = await baoOk(server.addr, server.rootToken, 'GET', `${mount}/data/${s.path}`);
      expect(Object.keys(r.body.data.data).sort()).toEqual([...s.keys].sort());
    }
  });
});
