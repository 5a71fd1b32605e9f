// A minimal client for the cluster's API server and the local registry, over node:https
// and fetch, for the cluster's own tooling (health checks, the volume provisioner):
// no process per request. Only 127.0.0.1 is ever contacted.
import { readFileSync } from 'node:fs';
import https from 'node:https';
import { PORTS, REGISTRY } from './layout.ts';
import { pem } from './pki.ts';

export interface ApiResponse {
  status: number;
  body: string;
}

let agent: https.Agent | undefined;
function adminAgent(): https.Agent {
  agent ??= new https.Agent({
    ca: readFileSync(pem('ca').crt),
    cert: readFileSync(pem('admin').crt),
    key: readFileSync(pem('admin').key),
    keepAlive: true,
  });
  return agent;
}

/** A request to the API server as the cluster admin. */
export function api(method: string, pathname: string, body?: unknown, timeoutMs = 10_000): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = https.request(
      {
        host: '127.0.0.1',
        port: PORTS.apiserver,
        method,
        path: pathname,
        agent: adminAgent(),
        timeout: timeoutMs,
        headers: payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {},
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${method} ${pathname} timed out`)));
    req.on('error', reject);
    if (payload) req.write(payload);
    req.end();
  });
}

/** GET on a component's own HTTPS health port (self-signed serving certificate, /healthz open to anyone). */
export function insecureGet(port: number, pathname: string, timeoutMs = 3000): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path: pathname, rejectUnauthorized: false, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', reject);
  });
}

/** Whether the registry holds `repository:tag`. The API-version header proves it is our registry answering, not a proxy. */
export async function registryHas(repository: string, tag: string): Promise<boolean> {
  const res = await fetch(`http://${REGISTRY}/v2/${repository}/manifests/${tag}`, {
    method: 'HEAD',
    headers: {
      accept:
        'application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json, application/vnd.oci.image.index.v1+json',
    },
    signal: AbortSignal.timeout(5000),
  });
  return res.status === 200 && res.headers.get('docker-distribution-api-version') === 'registry/2.0';
}

export async function registryAnswers(): Promise<boolean> {
  try {
    const res = await fetch(`http://${REGISTRY}/v2/`, { signal: AbortSignal.timeout(2000) });
    return res.headers.get('docker-distribution-api-version') === 'registry/2.0';
  } catch {
    return false;
  }
}
