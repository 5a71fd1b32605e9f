// The cluster's certificates, made with openssl: one CA for clients and servers, a
// front-proxy CA for the aggregation layer, and the service-account key pair. ECDSA
// P-256 keys: as accepted as RSA by every component, and made in milliseconds.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Runner } from '../../lib/exec.ts';
import { NET, NODE_NAME, paths } from './layout.ts';

export interface CertSpec {
  name: string;
  cn: string;
  org?: string;
  ca: 'ca' | 'front-proxy-ca';
  usage: 'server' | 'client' | 'both';
  sans?: string[];
}

/** Every client and server certificate: who it is (CN/O, which RBAC reads) and what it may do. */
export const CERTS: CertSpec[] = [
  {
    name: 'apiserver',
    cn: 'kube-apiserver',
    ca: 'ca',
    usage: 'server',
    sans: [
      'IP:127.0.0.1',
      `IP:${NET.apiServiceIp}`,
      `IP:${NET.gateway}`,
      'DNS:localhost',
      'DNS:kubernetes',
      'DNS:kubernetes.default',
      'DNS:kubernetes.default.svc',
      'DNS:kubernetes.default.svc.cluster.local',
    ],
  },
  { name: 'apiserver-kubelet-client', cn: 'kube-apiserver-kubelet-client', org: 'system:masters', ca: 'ca', usage: 'client' },
  { name: 'admin', cn: 'todo-local-admin', org: 'system:masters', ca: 'ca', usage: 'client' },
  { name: 'controller-manager', cn: 'system:kube-controller-manager', ca: 'ca', usage: 'client' },
  { name: 'scheduler', cn: 'system:kube-scheduler', ca: 'ca', usage: 'client' },
  { name: 'kubelet', cn: `system:node:${NODE_NAME}`, org: 'system:nodes', ca: 'ca', usage: 'client' },
  { name: 'kubelet-server', cn: NODE_NAME, ca: 'ca', usage: 'server', sans: ['IP:127.0.0.1', `IP:${NET.gateway}`, `DNS:${NODE_NAME}`] },
  { name: 'kube-proxy', cn: 'system:kube-proxy', ca: 'ca', usage: 'client' },
  { name: 'coredns', cn: 'system:coredns', ca: 'ca', usage: 'client' },
  { name: 'front-proxy-client', cn: 'front-proxy-client', ca: 'front-proxy-ca', usage: 'client' },
];

const USAGE = {
  server: 'serverAuth',
  client: 'clientAuth',
  both: 'serverAuth,clientAuth',
} as const;

export const pem = (name: string) => ({ crt: path.join(paths.pki, `${name}.crt`), key: path.join(paths.pki, `${name}.key`) });

async function makeCa(run: Runner, name: string, cn: string): Promise<void> {
  const { crt, key } = pem(name);
  if (existsSync(crt)) return;
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    crt,
    '-days',
    '3650',
    '-subj',
    `/CN=${cn}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign,digitalSignature',
  ]);
}

async function makeCert(run: Runner, spec: CertSpec): Promise<void> {
  const { crt, key } = pem(spec.name);
  if (existsSync(crt)) return;
  const ca = pem(spec.ca);
  const csr = `${crt}.csr`; // certificates are made concurrently: random serials, no shared serial file
  const subject = `/CN=${spec.cn}${spec.org ? `/O=${spec.org}` : ''}`;
  const ext = ['-addext', 'keyUsage=critical,digitalSignature,keyEncipherment', '-addext', `extendedKeyUsage=${USAGE[spec.usage]}`];
  if (spec.sans?.length) ext.push('-addext', `subjectAltName=${spec.sans.join(',')}`);
  await run('openssl', [
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    key,
    '-out',
    csr,
    '-subj',
    subject,
    ...ext,
  ]);
  await run('openssl', [
    'x509',
    '-req',
    '-in',
    csr,
    '-CA',
    ca.crt,
    '-CAkey',
    ca.key,
    '-set_serial',
    `0x${randomBytes(12).toString('hex')}`,
    '-out',
    crt,
    '-days',
    '365',
    '-copy_extensions',
    'copyall',
  ]);
}

/** Makes what is missing (a second up reuses the PKI of the cluster directory). */
export async function ensurePki(run: Runner): Promise<void> {
  mkdirSync(paths.pki, { recursive: true, mode: 0o700 });
  await makeCa(run, 'ca', 'todo-local-ca');
  await makeCa(run, 'front-proxy-ca', 'todo-local-front-proxy-ca');
  await Promise.all(CERTS.map((spec) => makeCert(run, spec)));
  const sa = pem('sa');
  if (!existsSync(sa.key)) {
    await run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-out', sa.key]);
    await run('openssl', ['pkey', '-in', sa.key, '-pubout', '-out', path.join(paths.pki, 'sa.pub')]);
  }
}

/** A kubeconfig for one identity, certificates embedded, so it stands alone. */
export function kubeconfigText(identity: string, context: string, server: string): string {
  const b64 = (file: string) => readFileSync(file).toString('base64');
  const id = pem(identity);
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    `- name: ${context}`,
    '  cluster:',
    `    server: ${server}`,
    `    certificate-authority-data: ${b64(pem('ca').crt)}`,
    'users:',
    `- name: ${context}-${identity}`,
    '  user:',
    `    client-certificate-data: ${b64(id.crt)}`,
    `    client-key-data: ${b64(id.key)}`,
    'contexts:',
    `- name: ${context}`,
    '  context:',
    `    cluster: ${context}`,
    `    user: ${context}-${identity}`,
    `current-context: ${context}`,
    '',
  ].join('\n');
}

export function writeKubeconfig(file: string, identity: string, context: string, server: string): void {
  writeFileSync(file, kubeconfigText(identity, context, server), { mode: 0o600 });
}
