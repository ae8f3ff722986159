/**
 * Lifecycle of the Vault layer (the `local` vault-config stack of each reference platform) on a real
 * OpenBao with the toolchain's OpenTofu, one sequence per platform:
 *
 *  1. the FIRST apply is SIGKILLed in the middle, after generated secrets reached Vault and before
 *     OpenTofu wrote any state; a plain `tofu apply` converges: it adopts (imports) the KV mount,
 *     the Kubernetes auth method and the audit device instead of failing on "path is already in
 *     use", the next plan is empty, nothing is duplicated, and no secret is lost. (A generated
 *     secret written by the killed apply is written once more, with a new value: see the note on
 *     that test and README, "The Vault layer's lifecycle".)
 *  2. an apply that adds generated secrets to the deployed platform is SIGKILLed in the middle; the
 *     next apply converges: one mount, one auth method, one audit device, one state entry per
 *     secret, every secret present, and every generated secret deployed before keeps its value and
 *     its version;
 *  3. external slots are filled out of band; bumping one generated secret's `generation` writes a
 *     new version of exactly that secret, with new values; no other secret gets a new version;
 *  4. OpenBao is restarted; the next plan is empty;
 *  5. a plain whole-stack `tofu destroy` removes everything but the KV mount, which it forgets
 *     (`lifecycle { destroy = false }`), and says so; `tofu apply` adopts the mount again and
 *     converges, and the external slots' values survive.
 *
 * Values are compared as SHA-256 digests held in memory; no value or digest is printed.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
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
    const text = existsSync(state) ? readFileSync(state, 'utf8') : '';
    // A first apply killed before OpenTofu persisted anything leaves an empty file.
    if (text.trim() === '') return [];
    const s = JSON.parse(text) as { resources: Array<{ mode: string; type: string; name: string; instances: Array<{ attributes: { path?: string } }> }> };
    return s.resources.filter((r) => r.mode === 'managed').flatMap((r) => r.instances.map((i) => ({ address: `${r.type}.${r.name}`, path: i.attributes.path })));
  }

  /** The mount-like objects Vault holds: KV engines, Kubernetes auth methods, audit devices. */
  async function vaultObjects(): Promise<{ kv: string[]; kubernetes: string[]; audit: string[] }> {
    const mounts = (await baoOk(server.addr, server.rootToken, 'GET', 'sys/mounts')).body.data;
    const auths = (await baoOk(server.addr, server.rootToken, 'GET', 'sys/auth')).body.data;
    const audits = (await baoOk(server.addr, server.rootToken, 'GET', 'sys/audit')).body.data;
    return {
      kv: Object.keys(mounts).filter((m) => mounts[m].type === 'kv').sort(),
      kubernetes: Object.keys(auths).filter((m) => auths[m].type === 'kubernetes').sort(),
      audit: Object.keys(audits).sort(),
    };
  }

  /** `tofu apply`; resolves with how many existing objects it imported. */
  async function apply(): Promise<number> {
    const { stdout } = await tofu(['apply', '-auto-approve', '-no-color', '-input=false'], { dir, env });
    return Number(/Resources: (\d+) imported/.exec(stdout)?.[1] ?? 0);
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
  // cannot go lower), so a first apply of this layer (a few seconds) SIGKILLed in the middle records
  // nothing, while Vault already holds the KV mount, maybe the auth method and the audit device, and
  // some secrets. Enabling those again would fail ("path is already in use"): the stack adopts them
  // with import blocks fed by sys/mounts, sys/auth and sys/audit (constructs/existing-vault-objects.ts).
  // Policies, roles, configs and slot metadata are idempotent writes.
  //
  // The limit: a generated secret written by the killed apply is written once more, with a new value
  // (its version grows by one). Adopting it would take an import of `vault_kv_secret_v2`, and with
  // vault provider 5.9.0 that import reads the secret (the apply identity may not), leaves
  // `data_json_wo_version` null so the next apply rewrites the value anyway, and needs a plan-time
  // listing of the KV mount that fails on an empty folder. README, "The Vault layer's lifecycle".
  it('first apply SIGKILLed mid-way: a plain apply adopts what Vault holds and converges, with no duplicate and no lost secret', async () => {
    // Killed as soon as the first generated secret is written: PEA's whole first apply takes about a
    // second, so waiting for more leaves the kill racing the end of the apply on a loaded machine.
    const run = await applyAndKill(dir, env, (completed) => completed.some((a) => a.startsWith('vault_kv_secret_v2.')));
    expect(run.killed).toBe(true);
    expect(run.completed.length).toBeLessThan(run.planned);
    // Nothing reached state, and Vault already holds the mount and at least one generated secret.
    expect(stateResources()).toEqual([]);
    const left = await vaultObjects();
    expect(left.kv).toEqual([`${mount}/`]);
    const written = await snapshot();
    expect(written.size).toBeGreaterThanOrEqual(1);

    // A plain apply imports exactly the mount-like objects the killed apply left, and converges.
    expect(await apply()).toBe(left.kv.length + left.kubernetes.length + left.audit.length);
    expect(await planExit(dir, env)).toBe(0);

    // No duplicates: one KV mount, one Kubernetes auth method, one audit device, one state entry per secret.
    expect(await vaultObjects()).toEqual({ kv: [`${mount}/`], kubernetes: ['kubernetes/'], audit: ['file/'] });
    const secretPaths = stateResources().flatMap((r) => (r.address.startsWith('vault_kv_secret_v2.') ? [r.path] : []));
    expect(secretPaths.sort()).toEqual(generated.map((s) => `${mount}/data/${s.path}`).sort());
    // No lost secret: every generated secret holds exactly its keys; every external slot is declared.
    const after = await snapshot();
    for (const s of generated) {
      const r = await baoOk(server.addr, server.rootToken, 'GET', `${mount}/data/${s.path}`);
      expect(Object.keys(r.body.data.data).sort()).toEqual([...s.keys].sort());
    }
    for (const s of external) {
      const meta = await baoOk(server.addr, server.rootToken, 'GET', `${mount}/metadata/${s.path}`);
      expect(meta.body.data.custom_metadata.owner).toBe(s.owner);
    }
    // The limit above: a secret the killed apply wrote is written once more; the others once.
    for (const s of generated) expect({ path: s.path, version: after.get(s.path)!.version }).toEqual({ path: s.path, version: written.has(s.path) ? 2 : 1 });
  });

  // Here the kill hits a change on top of a deployed platform, the case an operator meets when a
  // change is interrupted: every secret deployed before keeps its value and its version.
  it('tofu SIGKILLed mid-apply: the next apply converges with no duplicate and no lost secret', async () => {
    expect(await apply()).toBe(0);
    expect(await planExit(dir, env)).toBe(0);
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
    // Every secret deployed before keeps its value and its version.
    for (const [path, snap] of deployed) expect({ path, ...after.get(path) }).toEqual({ path, ...snap });
    // No duplicates: one KV mount, one Kubernetes auth method, one audit device, one state entry per secret.
    expect(await vaultObjects()).toEqual({ kv: [`${mount}/`], kubernetes: ['kubernetes/'], audit: ['file/'] });
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

  // Unmounting a secrets engine deletes everything in it, external values included, so the KV mount
  // has `lifecycle { destroy = false }`: a whole-stack destroy forgets it instead (and says so), and
  // the next apply adopts it. Everything else is destroyed: policies, roles, the auth method, the
  // audit device, the generated secrets (their current version). Slots are never deleted.
  it("plain tofu destroy keeps only the KV mount; apply adopts it, converges, and the external slots' values survive", async () => {
    const before = await snapshot();
    let destroyError: unknown;
    try {
      await tofu(['destroy', '-auto-approve', '-no-color', '-input=false'], { dir, env });
    } catch (err) {
      destroyError = err;
    }
    // OpenTofu ends a destroy that forgot an object with exit status 1 and this message
    // (`-suppress-forget-errors` makes it 0).
    expect(destroyError).toBeInstanceOf(TofuError);
    expect((destroyError as TofuError).status).toBe(1);
    expect((destroyError as TofuError).stderr).toContain('Destroy was successful but left behind forgotten instances');
    expect(stateResources()).toEqual([]);
    expect(await vaultObjects()).toEqual({ kv: [`${mount}/`], kubernetes: [], audit: [] });
    const policies = (await baoOk(server.addr, server.rootToken, 'GET', 'sys/policies/acl?list=true')).body.data.keys as string[];
    expect(policies.filter((p) => p.startsWith(`${name}-`))).toEqual([]);
    const between = await snapshot();
    for (const s of external) expect({ path: s.path, ...between.get(s.path) }).toEqual({ path: s.path, ...before.get(s.path) });
    for (const s of generated) expect(between.has(s.path)).toBe(false);

    // The apply imports the kept mount, re-creates everything else, and converges.
    expect(await apply()).toBe(1);
    expect(await planExit(dir, env)).toBe(0);
    expect(await vaultObjects()).toEqual({ kv: [`${mount}/`], kubernetes: ['kubernetes/'], audit: ['file/'] });
    const after = await snapshot();
    for (const s of external) expect({ path: s.path, ...after.get(s.path) }).toEqual({ path: s.path, ...before.get(s.path) });
    for (const s of generated) {
      const r = await baoOk(server.addr, server.rootToken, 'GET', `${mount}/data/${s.path}`);
      expect(Object.keys(r.body.data.data).sort()).toEqual([...s.keys].sort());
    }
  });
});
