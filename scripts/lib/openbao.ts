/**
 * A local OpenBao server for tests and demos: file storage in a temp folder,
 * plain HTTP on 127.0.0.1, initialised with one key share and unsealed through
 * the HTTP API. No dev mode, so nothing is pre-mounted at `secret/` and data
 * survives restart().
 *
 * The root token and unseal key stay in memory. They are never printed;
 * writeCredentialsFile() puts them in a 0600 file for the `--keep` demo mode.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadToolchainEnv } from './toolchain-env';

export interface OpenBaoServer {
  /** e.g. http://127.0.0.1:41234 */
  addr: string;
  /** Root token (a non-enumerable property: JSON.stringify/console.log leave it out). */
  rootToken: string;
  dataDir: string;
  /** Server stdout/stderr (and the `stdout` file audit device, if enabled). */
  logFile: string;
  stop(): Promise<void>;
  restart(): Promise<void>;
}

export interface StartOpenBaoOptions {
  /** Folder for storage, config, log. Default: a new mkdtemp folder, removed by stop() unless keep. */
  dataDir?: string;
  /** Listener port on 127.0.0.1. Default: a free port. */
  port?: number;
  /** Keep a temp dataDir after stop(). A caller-given dataDir is never removed. */
  keep?: boolean;
  /** Path of the bao binary. Default: $VSP_BAO_BIN, then the toolchain's, then `bao` on PATH. */
  baoBin?: string;
  /** Milliseconds to wait for each phase (listen, unseal, active). Default 60000. */
  timeoutMs?: number;
}

const CREDENTIALS_FILE = 'credentials.json';

interface Credentials {
  addr: string;
  rootToken: string;
  unsealKey: string;
}

/* ------------------------------------------------------------------ child tracking */

const liveChildren = new Set<ChildProcess>();
let exitHooksInstalled = false;

function installExitHooks(): void {
  if (exitHooksInstalled) return;
  exitHooksInstalled = true;
  process.on('exit', () => {
    for (const c of liveChildren) {
      try {
        c.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const handler = (): void => {
      for (const c of liveChildren) {
        try {
          c.kill('SIGKILL');
        } catch {
          /* already gone */
        }
      }
      process.removeListener(sig, handler);
      // Keep the default behaviour (terminate) unless someone else handles it.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    process.on(sig, handler);
  }
}

/**
 * A watchdog that kills `childPid` when this Node process is gone, even if it
 * died by SIGKILL and its exit hooks never ran.
 */
function spawnWatchdog(childPid: number): ChildProcess {
  const script =
    'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done; ' +
    'if kill -0 "$2" 2>/dev/null; then kill -TERM "$2" 2>/dev/null; sleep 5; kill -KILL "$2" 2>/dev/null; fi';
  const w = spawn('/bin/sh', ['-c', script, 'vsp-openbao-watchdog', String(process.pid), String(childPid)], {
    detached: true,
    stdio: 'ignore',
  });
  w.unref();
  return w;
}

/* ------------------------------------------------------------------ helpers */

/** Waits `ms`; the timer never keeps the process (or Jest) alive on its own. */
function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const a = srv.address();
      const port = typeof a === 'object' && a ? a.port : 0;
      srv.close(() => (port ? resolvePort(port) : reject(new Error('could not get a free port'))));
    });
  });
}

async function isPortFree(port: number): Promise<boolean> {
  return new Promise((done) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => done(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => done(true)));
  });
}

function resolveBaoBin(explicit?: string): string {
  if (explicit) return explicit;
  if (process.env.VSP_BAO_BIN) return process.env.VSP_BAO_BIN;
  try {
    const tc = loadToolchainEnv();
    if (tc.VSP_BAO_BIN && existsSync(tc.VSP_BAO_BIN)) return tc.VSP_BAO_BIN;
  } catch {
    /* fall through to PATH */
  }
  return 'bao';
}

function tail(file: string, bytes = 4000): string {
  try {
    const size = statSync(file).size;
    const start = Math.max(0, size - bytes);
    const fd = openSync(file, 'r');
    try {
      const buf = Buffer.alloc(size - start);
      readSync(fd, buf, 0, buf.length, start);
      return buf.toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch {
    return '';
  }
}

function serverConfig(dataDir: string, port: number): string {
  const storage = join(dataDir, 'storage').replace(/\\/g, '/');
  return `# Generated by scripts/lib/openbao.ts (local test server; not for production)
storage "file" {
  path = "${storage}"
}

listener "tcp" {
  address     = "127.0.0.1:${port}"
  tls_disable = true
}

api_addr  = "http://127.0.0.1:${port}"
ui        = false
log_level = "info"

# No cluster listener: by default it would bind <port>+1, which can clash
# with other servers started in parallel tests. (No disable_mlock: OpenBao
# 2.6 dropped mlock and warns "unknown or unsupported field disable_mlock".)
disable_clustering = true

# OpenBao >= 2.3.2 refuses PUT /v1/sys/audit/<path> unless this top-level
# option is set (CVE-2025-54997); audit devices can otherwise only be
# declared in server config.
unsafe_allow_api_audit_creation = true
`;
}

interface HttpResult {
  status: number;
  body: unknown;
}

async function http(addr: string, method: string, path: string, body?: unknown, token?: string): Promise<HttpResult> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (token) headers['x-vault-token'] = token;
  const res = await fetch(`${addr}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text.length ? JSON.parse(text) : undefined;
  } catch {
    /* keep text */
  }
  return { status: res.status, body: parsed };
}

function errorsOf(r: HttpResult): string {
  const b = r.body as { errors?: unknown } | undefined;
  return b && Array.isArray(b.errors) ? b.errors.join('; ') : `HTTP ${r.status}`;
}

/* ------------------------------------------------------------------ server */

class BaoProcess {
  child: ChildProcess | undefined;
  private watchdog: ChildProcess | undefined;
  private exited: Promise<void> = Promise.resolve();
  exitInfo: string | undefined;

  constructor(
    private readonly bin: string,
    private readonly configFile: string,
    private readonly logFile: string,
  ) {}

  start(): void {
    installExitHooks();
    const fd = openSync(this.logFile, 'a');
    let child: ChildProcess;
    try {
      child = spawn(this.bin, ['server', `-config=${this.configFile}`], {
        stdio: ['ignore', fd, fd],
        env: { ...process.env, BAO_LOG_FORMAT: 'standard' },
      });
    } finally {
      closeSync(fd);
    }
    this.child = child;
    this.exitInfo = undefined;
    liveChildren.add(child);
    this.exited = new Promise<void>((done) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = `exited with ${signal ?? `code ${code}`}`;
        liveChildren.delete(child);
        done();
      });
      child.once('error', (err) => {
        this.exitInfo = `failed to start ${this.bin}: ${err.message}`;
        liveChildren.delete(child);
        done();
      });
    });
    if (child.pid) this.watchdog = spawnWatchdog(child.pid);
  }

  get running(): boolean {
    return this.child !== undefined && this.exitInfo === undefined;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && this.exitInfo === undefined) {
      child.kill('SIGTERM');
      const timedOut = await Promise.race([this.exited.then(() => false), sleep(10_000).then(() => true)]);
      if (timedOut) {
        child.kill('SIGKILL');
        await this.exited;
      }
    }
    if (this.watchdog?.pid) {
      try {
        process.kill(this.watchdog.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    this.watchdog = undefined;
    this.child = undefined;
  }
}

/**
 * Start OpenBao with file storage, initialise it (1 key share, threshold 1)
 * and unseal it. If `dataDir` holds a credentials file from
 * writeCredentialsFile(), the existing storage is reused and unsealed.
 */
export async function startOpenBao(opts: StartOpenBaoOptions = {}): Promise<OpenBaoServer> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const createdDir = opts.dataDir === undefined;
  const dataDir = resolve(opts.dataDir ?? mkdtempSync(join(tmpdir(), 'vsp-openbao-')));
  mkdirSync(join(dataDir, 'storage'), { recursive: true, mode: 0o700 });
  let creds: Credentials | undefined;
  const credFile = join(dataDir, CREDENTIALS_FILE);
  if (existsSync(credFile)) {
    creds = JSON.parse(readFileSync(credFile, 'utf8')) as Credentials;
  }
  // A kept server comes back on its old port when that port is free.
  const oldPort = creds ? Number(new URL(creds.addr).port) : 0;
  const port = opts.port ?? (oldPort && (await isPortFree(oldPort)) ? oldPort : await freePort());
  const addr = `http://127.0.0.1:${port}`;
  const configFile = join(dataDir, 'server.hcl');
  const logFile = join(dataDir, 'server.log');
  writeFileSync(configFile, serverConfig(dataDir, port), { mode: 0o600 });

  const proc = new BaoProcess(resolveBaoBin(opts.baoBin), configFile, logFile);

  const fail = (what: string): Error =>
    new Error(`OpenBao ${what}${proc.exitInfo ? ` (process ${proc.exitInfo})` : ''}. Log ${logFile}:\n${tail(logFile)}`);

  async function waitFor<T>(what: string, probe: () => Promise<T | undefined>): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    let lastErr = '';
    while (Date.now() < deadline) {
      if (!proc.running) throw fail(`stopped while waiting until ${what}`);
      try {
        const v = await probe();
        if (v !== undefined) return v;
      } catch (err) {
        lastErr = (err as Error).message;
      }
      await sleep(100);
    }
    throw fail(`did not get ${what} within ${timeoutMs} ms${lastErr ? ` (last error: ${lastErr})` : ''}`);
  }

  // /v1/sys/health answers 200 for every state with these codes, so it only
  // tells that the listener is up.
  const listening = (): Promise<true | undefined> =>
    http(addr, 'GET', '/v1/sys/health?uninitcode=200&sealedcode=200&standbycode=200&performancestandbycode=200').then((r) =>
      r.status === 200 ? true : undefined,
    );

  async function bootAndUnseal(): Promise<void> {
    proc.start();
    await waitFor('listening', listening);
    const init = await http(addr, 'GET', '/v1/sys/init');
    const initialized = (init.body as { initialized?: boolean } | undefined)?.initialized === true;
    if (!initialized) {
      const r = await http(addr, 'PUT', '/v1/sys/init', { secret_shares: 1, secret_threshold: 1 });
      const b = r.body as { keys_base64?: string[]; keys?: string[]; root_token?: string } | undefined;
      const key = b?.keys_base64?.[0] ?? b?.keys?.[0];
      if (r.status !== 200 || !key || !b?.root_token) throw fail(`init failed: ${errorsOf(r)}`);
      creds = { addr, rootToken: b.root_token, unsealKey: key };
    } else if (!creds) {
      throw fail(`storage in ${dataDir} is already initialised but ${credFile} is missing, so it cannot be unsealed`);
    }
    const u = await http(addr, 'PUT', '/v1/sys/unseal', { key: creds.unsealKey });
    if (u.status !== 200 || (u.body as { sealed?: boolean } | undefined)?.sealed !== false) {
      throw fail(`unseal failed: ${errorsOf(u)}`);
    }
    // 200 from plain /v1/sys/health = initialised, unsealed and active.
    await waitFor('active', () => http(addr, 'GET', '/v1/sys/health').then((r) => (r.status === 200 ? true : undefined)));
    const token = creds.rootToken;
    await waitFor('a working root token', () =>
      http(addr, 'GET', '/v1/auth/token/lookup-self', undefined, token).then((r) => (r.status === 200 ? true : undefined)),
    );
  }

  try {
    await bootAndUnseal();
  } catch (err) {
    await proc.stop();
    throw err;
  }

  let stopped = false;
  const server = {
    addr,
    dataDir,
    logFile,
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      await proc.stop();
      if (createdDir && !opts.keep && !existsSync(credFile)) {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    async restart(): Promise<void> {
      if (stopped) throw new Error('OpenBao server was stopped; start a new one instead of restart()');
      await proc.stop();
      await bootAndUnseal();
    },
  } as OpenBaoServer;
  Object.defineProperty(server, 'rootToken', { value: creds!.rootToken, enumerable: false });
  unsealKeys.set(server, creds!.unsealKey);
  if (existsSync(credFile)) writeCredentialsFile(server); // refresh addr
  return server;
}

const unsealKeys = new WeakMap<OpenBaoServer, string>();

/**
 * For the `--keep` demo mode: write addr, root token and unseal key to a 0600
 * file inside the server's dataDir and return its path. A dataDir with this
 * file is not removed by stop() and can be passed to startOpenBao() again.
 */
export function writeCredentialsFile(server: OpenBaoServer): string {
  const unsealKey = unsealKeys.get(server);
  if (!unsealKey) throw new Error('not a server started by startOpenBao()');
  const file = join(server.dataDir, CREDENTIALS_FILE);
  const creds: Credentials = { addr: server.addr, rootToken: server.rootToken, unsealKey };
  writeFileSync(file, JSON.stringify(creds, null, 2) + '\n', { mode: 0o600 });
  return file;
}

/** Environment for clients of this server: VAULT_ and BAO_ address and token, skip child token. */
export function openBaoClientEnv(server: OpenBaoServer): Record<string, string> {
  return {
    VAULT_ADDR: server.addr,
    VAULT_TOKEN: server.rootToken,
    BAO_ADDR: server.addr,
    BAO_TOKEN: server.rootToken,
    TERRAFORM_VAULT_SKIP_CHILD_TOKEN: 'true',
  };
}

/**
 * A throwaway CA certificate (PEM) from a scratch PKI mount, removed again at once. The local
 * environment's Kubernetes auth config takes the API server's CA as `kubernetes_ca_cert`; outside a
 * cluster there is none, so tests, the demo and the review pass this one. It is public material.
 */
export async function throwawayCaCert(server: OpenBaoServer): Promise<string> {
  const mount = `scratch-ca-${Date.now().toString(36)}`;
  const call = async (method: string, path: string, body?: unknown): Promise<HttpResult> => {
    const r = await http(server.addr, method, `/v1/${path}`, body, server.rootToken);
    if (r.status >= 300) throw new Error(`OpenBao ${method} ${path}: ${r.status} ${errorsOf(r)}`);
    return r;
  };
  await call('POST', `sys/mounts/${mount}`, { type: 'pki' });
  try {
    const r = await call('POST', `${mount}/root/generate/internal`, { common_name: 'throwaway CA', ttl: '2h', key_type: 'ec', key_bits: 256 });
    return String((r.body as { data: { certificate: string } }).data.certificate);
  } finally {
    await call('DELETE', `sys/mounts/${mount}`);
  }
}

/** What a local Vault configuration stack needs from the local API server (see scripts/lib/cluster.ts). */
export interface LocalKubernetesAuthTarget {
  /** API server URL. */
  readonly server: string;
  /** PEM CA of the API server. */
  readonly caCert: string;
  /** A token of the token-reviewer service account (bound to system:auth-delegator). */
  readonly reviewerJwt: string;
}

/**
 * Everything `tofu` needs to plan or apply a `local` Vault configuration stack against this server:
 * the client address and token, the stack's `vault_address` variable, and the Kubernetes auth
 * inputs. With a local cluster, those are its host, CA and a real reviewer token, so logins with
 * service-account tokens work. Without one, a throwaway CA and a placeholder reviewer token are
 * given: the stack applies, but no Kubernetes login can succeed.
 */
export async function localStackEnv(server: OpenBaoServer, kube?: LocalKubernetesAuthTarget): Promise<Record<string, string>> {
  return {
    ...openBaoClientEnv(server),
    TF_VAR_vault_address: server.addr,
    TF_VAR_kubernetes_host: kube?.server ?? 'https://127.0.0.1:6443',
    TF_VAR_kubernetes_ca_cert: kube?.caCert ?? (await throwawayCaCert(server)),
    TF_VAR_kubernetes_reviewer_jwt: kube?.reviewerJwt ?? 'no-cluster-placeholder',
  };
}
