/**
 * The README's plan-and-deploy commands, run as written through the cdktf CLI (`npx cdktf diff`,
 * `npx cdktf deploy`), not through library calls: against a real OpenBao, with the toolchain's
 * OpenTofu and provider mirror, offline (`--skip-provider-lock`). The only addition is `--output`,
 * so the test writes its stacks and state into a temporary folder instead of the project's.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCdktf } from '../../scripts/lib/cdktf-cli';
import { localStackEnv, startOpenBao, type OpenBaoServer } from '../../scripts/lib/openbao';
import { baoOk } from '../support/openbao-client';
import { platformNamed } from '../support/synth';

jest.setTimeout(600_000);

describe('README: npx cdktf diff and deploy of a local stack', () => {
  const stack = 'waqiti-local-vault-config';
  const platform = platformNamed('waqiti');
  const work = mkdtempSync(join(tmpdir(), 'vsp-cli-'));
  const output = join(work, 'cdktf.out');
  const state = join(work, 'state', `${stack}.tfstate`);
  let server: OpenBaoServer;
  let env: Record<string, string>;
  let n = 0;
  /** Runs one documented command and returns its output (a plan of the local stack names no value). */
  const cli = async (...args: string[]) => {
    const logFile = join(work, `cli-${++n}.log`);
    await runCdktf(args, { output, env, logFile });
    return readFileSync(logFile, 'utf8');
  };

  beforeAll(async () => {
    server = await startOpenBao();
    env = await localStackEnv(server);
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(work, { recursive: true, force: true });
  });

  it('`npx cdktf diff` plans the whole stack against an empty Vault without asking a registry', async () => {
    const log = await cli('diff', stack);
    const planned = /Plan: (\d+) to add, 0 to change, 0 to destroy/.exec(log);
    expect(planned).not.toBeNull();
    expect(Number(planned![1])).toBeGreaterThan(platform.secrets.length);
    // Providers come from the mirror: no registry query, and no error of any kind.
    expect(log).toMatch(/(Installed|Using) hashicorp\/vault v5\.9\.0/);
    expect(log).not.toMatch(/Error:|Failed to query|could not connect/i);
  });

  it('`npx cdktf deploy --auto-approve --ignore-missing-stack-dependencies` configures Vault; a second diff reports no changes', async () => {
    // The stack depends on the local cluster layer; without a cluster, only the Vault layer is deployed.
    await cli('deploy', stack, '--auto-approve', '--ignore-missing-stack-dependencies');
    const tfstate = JSON.parse(readFileSync(state, 'utf8'));
    expect(tfstate.resources.length).toBeGreaterThan(platform.secrets.length);
    const policies = (await baoOk(server.addr, server.rootToken, 'GET', 'sys/policies/acl?list=true')).body.data.keys as string[];
    for (const svc of platform.services) expect(policies).toContain(`waqiti-${svc.name}`);
    const mounts = (await baoOk(server.addr, server.rootToken, 'GET', 'sys/mounts')).body.data;
    expect(mounts[`${platform.kv.mount}/`].options.version).toBe('2');

    const again = await cli('diff', stack);
    expect(again).toMatch(/No changes/);
  });
});
