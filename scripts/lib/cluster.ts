/**
 * A real local Kubernetes control plane for tests and the demo: etcd and kube-apiserver on
 * 127.0.0.1 (built from Go modules by scripts/toolchain.sh), with certificates, an admin credential
 * and a service-account signing key generated per run in a temporary folder, the CRDs the stacks use
 * applied, and optionally the External Secrets Operator controller running out of cluster.
 *
 * kube-controller-manager runs only its garbage collector, namespace and service-account
 * controllers: owned objects are collected, deleted namespaces go, and new namespaces get their
 * `default` service account and `kube-root-ca.crt`. There is no kubelet or scheduler, so nothing runs
 * pods. Service-account tokens come from TokenRequest; TokenReview works, so Vault's Kubernetes auth
 * can validate them.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort, ManagedProcess, stopPid } from './processes';
import { loadToolchainEnv } from './toolchain-env';

const run = promisify(execFile);

/** A running local control plane. */
export interface LocalCluster {
  /** API server URL, e.g. https://127.0.0.1:41234 */
  readonly server: string;
  /** Admin kubeconfig (one context per requested name, all on this cluster). */
  readonly kubeconfig: string;
  /** PEM CA of the API server (public). */
  readonly caCert: string;
  /** Folder with certificates, etcd data and logs. */
  readonly dataDir: string;
  /** PIDs of the processes this cluster runs (etcd, kube-apiserver, kube-controller-manager, and ESO once started). */
  readonly pids: Readonly<Record<string, number>>;
  /** kubectl with the admin kubeconfig; resolves stdout, rejects with stderr on failure. */
  kubectl(args: readonly string[], input?: string): Promise<string>;
  /** One admin request to the API; resolves status and parsed JSON body. */
  api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }>;
  /** A service-account token from TokenRequest (never logged). */
  createToken(namespace: string, serviceAccount: string, opts?: { audience?: string; seconds?: number }): Promise<string>;
  /** Starts the ESO controller against this cluster (idempotent). */
  startEso(): Promise<void>;
  /** Stops everything started (ESO, kube-apiserver, etcd) and removes a temporary dataDir. */
  stop(): Promise<void>;
}

/** Options of startLocalCluster. */
export interface StartLocalClusterOptions {
  /** Folder for certificates, data and logs. @default - a new temporary folder, removed by stop() */
  readonly dataDir?: string;
  /** Keep the dataDir after stop(). @default false */
  readonly keep?: boolean;
  /** Start the ESO controller once the API is ready. @default false */
  readonly eso?: boolean;
  /** kubeconfig context names to write (the stacks use `<platform>-<env>`). @default ['local'] */
  readonly contexts?: readonly string[];
  /** Let the processes outlive this Node process (demo `--keep`); stop later with stopCluster(dataDir). @default false */
  readonly detached?: boolean;
  /** Milliseconds to wait for each component. @default 120000 */
  readonly timeoutMs?: number;
}

/** Issuer of service-account tokens, and the API server's own audience. */
export const SERVICE_ACCOUNT_ISSUER = 'https://kubernetes.default.svc.cluster.local';

/** The default admission plugins that need controllers this cluster does not run. */
const DISABLED_ADMISSION = [
  'LimitRanger',
  'TaintNodesByCondition',
  'Priority',
  'DefaultTolerationSeconds',
  'DefaultStorageClass',
  'StorageObjectInUseProtection',
  'PersistentVolumeClaimResize',
  'RuntimeClass',
  'CertificateApproval',
  'CertificateSigning',
  'ClusterTrustBundleAttest',
  'CertificateSubjectRestriction',
  'DefaultIngressClass',
  'MutatingAdmissionWebhook',
  'ValidatingAdmissionWebhook',
  'ResourceQuota',
];

interface Tools {
  etcd: string;
  apiserver: string;
  controllerManager: string;
  kubectl: string;
  /** The ESO controller binary, checked when ESO is started. */
  eso: () => string;
  esoCrds: string;
  crdFiles: string[];
}

function tools(): Tools {
  const tc = loadToolchainEnv();
  const need = (k: string): string => {
    const v = tc[k];
    if (!v || !existsSync(v)) throw new Error(`${k} (${v ?? 'unset'}) is missing; run \`bash scripts/toolchain.sh\`.`);
    return v;
  };
  return {
    etcd: need('VSP_ETCD_BIN'),
    apiserver: need('VSP_KUBE_APISERVER_BIN'),
    controllerManager: need('VSP_KUBE_CONTROLLER_MANAGER_BIN'),
    kubectl: need('VSP_KUBECTL_BIN'),
    eso: () => need('VSP_ESO_BIN'),
    esoCrds: need('VSP_ESO_CRDS'),
    crdFiles: [
      join(need('VSP_CRD_PROMETHEUS_DIR'), 'example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml'),
      join(need('VSP_CRD_PROMETHEUS_DIR'), 'example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml'),
      join(need('VSP_CRD_CERT_MANAGER_DIR'), 'deploy/crds/cert-manager.io_certificates.yaml'),
      join(need('VSP_CRD_CSI_DIR'), 'config/crd/bases/secrets-store.csi.x-k8s.io_secretproviderclasses.yaml'),
    ],
  };
}

/** CA, API server serving certificate, admin client certificate and the service-account key pair. */
async function makeCertificates(dir: string): Promise<void> {
  const ssl = (...args: string[]) => run('openssl', args, { cwd: dir });
  const ec = (name: string) => ssl('genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`);
  await ec('ca');
  await ssl('req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=vsp-local-ca', '-days', '2', '-out', 'ca.crt',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const sign = async (name: string, subj: string, ext: string): Promise<void> => {
    await ec(name);
    await ssl('req', '-new', '-key', `${name}.key`, '-subj', subj, '-out', `${name}.csr`);
    writeFileSync(join(dir, `${name}.ext`), ext);
    await ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-out', `${name}.crt`, '-extfile', `${name}.ext`);
  };
  await sign('apiserver', '/CN=kube-apiserver',
    'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default.svc\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature\n');
  await sign('admin', '/O=system:masters/CN=vsp-admin', 'extendedKeyUsage=clientAuth\nkeyUsage=critical,digitalSignature\n');
  await ssl('genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:2048', '-out', 'sa.key');
  await ssl('pkey', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
}

function kubeconfigYaml(server: string, dir: string, contexts: readonly string[]): string {
  const b64 = (f: string) => readFileSync(join(dir, f)).toString('base64');
  const ctx = contexts.map((c) => `- name: ${c}\n  context: { cluster: local, user: admin }`).join('\n');
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: local\n  cluster:\n    server: ${server}\n    certificate-authority-data: ${b64('ca.crt')}`,
    'users:',
    `- name: admin\n  user:\n    client-certificate-data: ${b64('admin.crt')}\n    client-key-data: ${b64('admin.key')}`,
    'contexts:',
    ctx,
    `current-context: ${contexts[0]}`,
    '',
  ].join('\n');
}

/** Where a cluster records its processes, for stopCluster() from another Node process. */
const PIDS_FILE = 'pids.json';

/** Starts etcd, kube-apiserver, applies the CRDs and (optionally) starts ESO. */
export async function startLocalCluster(opts: StartLocalClusterOptions = {}): Promise<LocalCluster> {
  const t = tools();
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const createdDir = opts.dataDir === undefined;
  const dataDir = resolve(opts.dataDir ?? mkdtempSync(join(tmpdir(), 'vsp-cluster-')));
  const pki = join(dataDir, 'pki');
  mkdirSync(pki, { recursive: true, mode: 0o700 });
  await makeCertificates(pki);
  const contexts = opts.contexts && opts.contexts.length > 0 ? [...opts.contexts] : ['local'];
  const detached = opts.detached === true;
  const pids: Record<string, number> = {};
  const recordPids = () => writeFileSync(join(dataDir, PIDS_FILE), `${JSON.stringify(pids)}\n`);

  const [etcdClient, etcdPeer, apiPort, cmPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const etcd = new ManagedProcess({
    name: 'etcd',
    bin: t.etcd,
    logFile: join(dataDir, 'etcd.log'),
    detached,
    args: [
      '--name=local',
      `--data-dir=${join(dataDir, 'etcd')}`,
      `--listen-client-urls=http://127.0.0.1:${etcdClient}`,
      `--advertise-client-urls=http://127.0.0.1:${etcdClient}`,
      `--listen-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-advertise-peer-urls=http://127.0.0.1:${etcdPeer}`,
      `--initial-cluster=local=http://127.0.0.1:${etcdPeer}`,
      '--log-level=warn',
    ],
  });
  const server = `https://127.0.0.1:${apiPort}`;
  const apiserver = new ManagedProcess({
    name: 'kube-apiserver',
    bin: t.apiserver,
    logFile: join(dataDir, 'kube-apiserver.log'),
    detached,
    args: [
      `--etcd-servers=http://127.0.0.1:${etcdClient}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${join(pki, 'apiserver.crt')}`,
      `--tls-private-key-file=${join(pki, 'apiserver.key')}`,
      `--client-ca-file=${join(pki, 'ca.crt')}`,
      `--service-account-issuer=${SERVICE_ACCOUNT_ISSUER}`,
      `--service-account-key-file=${join(pki, 'sa.pub')}`,
      `--service-account-signing-key-file=${join(pki, 'sa.key')}`,
      `--api-audiences=${SERVICE_ACCOUNT_ISSUER}`,
      '--authorization-mode=RBAC',
      '--enable-admission-plugins=NamespaceLifecycle,ServiceAccount,PodSecurity',
      `--disable-admission-plugins=${DISABLED_ADMISSION.join(',')}`,
      '--service-cluster-ip-range=10.96.0.0/16',
      '--enable-priority-and-fairness=false',
      '--profiling=false',
      '--v=0',
    ],
  });
  const kubeconfig = join(dataDir, 'kubeconfig');
  writeFileSync(kubeconfig, kubeconfigYaml(server, pki, contexts), { mode: 0o600 });
  const controllerManager = new ManagedProcess({
    name: 'kube-controller-manager',
    bin: t.controllerManager,
    logFile: join(dataDir, 'kube-controller-manager.log'),
    detached,
    args: [
      `--kubeconfig=${kubeconfig}`,
      '--controllers=garbage-collector-controller,namespace-controller,serviceaccount-controller,serviceaccount-token-controller,root-ca-certificate-publisher-controller',
      `--service-account-private-key-file=${join(pki, 'sa.key')}`,
      `--root-ca-file=${join(pki, 'ca.crt')}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${cmPort}`,
      '--v=0',
    ],
  });
  const caCert = readFileSync(join(pki, 'ca.crt'), 'utf8');
  const tls = { ca: caCert, cert: readFileSync(join(pki, 'admin.crt')), key: readFileSync(join(pki, 'admin.key')) };

  const api = (method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> =>
    new Promise((done, fail) => {
      const payload = body === undefined ? undefined : JSON.stringify(body);
      const req = request(
        `${server}${path}`,
        { method, ...tls, headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}, timeout: 15_000 },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = text ? JSON.parse(text) : undefined;
            } catch {
              /* keep the text */
            }
            done({ status: res.statusCode ?? 0, body: parsed });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: timed out`)));
      req.on('error', fail);
      req.end(payload);
    });

  const kubectl = async (args: readonly string[], input?: string): Promise<string> => {
    const child = execFile(t.kubectl, [`--kubeconfig=${kubeconfig}`, ...args], { maxBuffer: 64 * 1024 * 1024 });
    if (input !== undefined) child.stdin?.end(input);
    else child.stdin?.end();
    return new Promise((done, fail) => {
      let out = '';
      let err = '';
      child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
      child.on('close', (code) => (code === 0 ? done(out) : fail(new Error(`kubectl ${args.join(' ')} failed (${code}): ${err.trim()}`))));
    });
  };

  let eso: ManagedProcess | undefined;
  const startEso = async (): Promise<void> => {
    if (eso?.running) return;
    const [metrics, live] = [await freePort(), await freePort()];
    eso = new ManagedProcess({
      name: 'external-secrets',
      bin: t.eso(),
      logFile: join(dataDir, 'external-secrets.log'),
      detached,
      env: { ...process.env, KUBECONFIG: kubeconfig },
      args: [`--metrics-addr=127.0.0.1:${metrics}`, `--live-addr=127.0.0.1:${live}`, '--enable-leader-election=false', '--concurrent=4', '--loglevel=info'],
    });
    eso.start();
    pids.eso = eso.pid!;
    recordPids();
    await eso.waitFor('ready', () => fetch(`http://127.0.0.1:${live}/healthz`).then((r) => (r.ok ? true : undefined)), timeoutMs);
  };

  const stopAll = async (): Promise<void> => {
    await eso?.stop();
    await controllerManager.stop();
    await apiserver.stop();
    await etcd.stop();
  };

  try {
    etcd.start();
    pids.etcd = etcd.pid!;
    await etcd.waitFor('healthy', () => fetch(`http://127.0.0.1:${etcdClient}/health`).then((r) => (r.ok ? true : undefined)), timeoutMs);
    apiserver.start();
    pids['kube-apiserver'] = apiserver.pid!;
    recordPids();
    await apiserver.waitFor('ready', () => api('GET', '/readyz').then((r) => (r.status === 200 ? true : undefined)), timeoutMs);
    controllerManager.start();
    pids['kube-controller-manager'] = controllerManager.pid!;
    recordPids();
    await controllerManager.waitFor(
      'the default service account in namespace default',
      () => api('GET', '/api/v1/namespaces/default/serviceaccounts/default').then((r) => (r.status === 200 ? true : undefined)),
      timeoutMs,
    );
    for (const f of [t.esoCrds, ...t.crdFiles]) await kubectl(['apply', '--server-side', '--force-conflicts', '-f', f]);
    await kubectl(['wait', '--for=condition=Established', 'crd', '--all', '--timeout=120s']);
    if (opts.eso) await startEso();
  } catch (err) {
    await stopAll();
    throw err;
  }

  let stopped = false;
  return {
    server,
    kubeconfig,
    caCert,
    dataDir,
    pids,
    kubectl,
    api,
    startEso,
    async createToken(namespace, serviceAccount, o = {}) {
      const r = await api('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`, {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { audiences: [o.audience ?? SERVICE_ACCOUNT_ISSUER], expirationSeconds: o.seconds ?? 3600 },
      });
      const token = (r.body as { status?: { token?: string } } | undefined)?.status?.token;
      if (r.status !== 201 || !token) throw new Error(`TokenRequest for ${namespace}/${serviceAccount}: HTTP ${r.status}`);
      return token;
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll();
      if (createdDir && !opts.keep) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Stops a detached cluster started by another process, from the PIDs recorded in its dataDir. */
export async function stopCluster(dataDir: string): Promise<void> {
  const file = join(dataDir, PIDS_FILE);
  if (!existsSync(file)) return;
  const pids = JSON.parse(readFileSync(file, 'utf8')) as Record<string, number>;
  for (const name of ['eso', 'kube-controller-manager', 'kube-apiserver', 'etcd']) if (pids[name]) await stopPid(pids[name]);
  rmSync(file, { force: true });
}
