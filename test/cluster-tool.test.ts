// The real cluster's tooling (test/cluster/), the parts that need no cluster: how iptables
// rules are split for deletion, which mounts are the cluster's, what PV a claim gets, and
// the configuration that keeps everything on loopback.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as conf from './cluster/configs.ts';
import { clusterMounts, splitRule } from './cluster/host.ts';
import { NET, PORTS, RUN_DIR, STATE_DIR } from './cluster/layout.ts';
import { STORAGE_CLASS, volumeFor } from './cluster/provisioner.ts';

test('iptables -S rules split like a shell would, quoted comments kept whole', () => {
  assert.equal(splitRule('-m comment --comment "kubernetes service portals" -j KUBE-SERVICES'), [
    '-m',
    'comment',
    '--comment',
    'kubernetes service portals',
    '-j',
    'KUBE-SERVICES',
  ]);
  assert.equal(splitRule('-s 10.244.0.0/16 ! -d 10.244.0.0/16 -j REJECT'), [
    '-s',
    '10.244.0.0/16',
    '!',
    '-d',
    '10.244.0.0/16',
    '-j',
    'REJECT',
  ]);
  assert.equal(splitRule('--comment "a \\"quoted\\" word" -j X'), ['--comment', 'a "quoted" word', '-j', 'X']);
});

test("only mounts under the cluster's own folders are unmounted, deepest first", () => {
  const info = [
    `36 25 0:32 / ${STATE_DIR}/containerd/io.containerd.runtime.v2.task/k8s.io/abc/rootfs rw - overlay overlay rw`,
    `37 25 0:33 / ${STATE_DIR}/kubelet/pods/uid/volumes/kubernetes.io~empty-dir/run rw - tmpfs tmpfs rw`,
    `38 25 0:34 / ${RUN_DIR}/containerd/io.containerd.grpc.v1.cri/sandboxes/x/netns rw - nsfs nsfs rw`,
    '39 25 0:35 / /var/lib/docker/overlay2/x/merged rw - overlay overlay rw',
    `40 25 0:36 / ${STATE_DIR}-other/x rw - tmpfs tmpfs rw`,
  ].join('\n');
  const mounts = clusterMounts(info);
  assert.is(mounts.length, 3);
  assert.ok(mounts.every((m) => m.startsWith(`${STATE_DIR}/`) || m.startsWith(`${RUN_DIR}/`)));
  assert.ok(mounts[0]!.length >= mounts[1]!.length && mounts[1]!.length >= mounts[2]!.length, 'deepest first');
});

test('a claim gets a hostPath PV of its size and modes, bound to it, under the volumes folder', () => {
  const pv = volumeFor(
    {
      metadata: { name: 'data-pg-0', namespace: 'todo', uid: '1234abcd-0000' },
      spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '2Gi' } } },
    },
    '/v',
  );
  assert.is(pv.metadata.name, 'pvc-1234abcd-0000');
  assert.equal(pv.spec.capacity, { storage: '2Gi' });
  assert.equal(pv.spec.claimRef, {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    namespace: 'todo',
    name: 'data-pg-0',
    uid: '1234abcd-0000',
  });
  assert.is(pv.spec.storageClassName, STORAGE_CLASS);
  assert.is(pv.spec.persistentVolumeReclaimPolicy, 'Delete');
  assert.equal(pv.spec.hostPath, { path: '/v/todo-data-pg-0-1234abcd', type: 'DirectoryOrCreate' });
});

test('every listener is on 127.0.0.1 (or the pod bridge for DNS), and NodePorts on loopback only', () => {
  const args = [...conf.etcdArgs(), ...conf.apiserverArgs(), ...conf.controllerManagerArgs(), ...conf.schedulerArgs()].join(' ');
  for (const m of args.matchAll(/--(?:listen-[\w-]+|bind-address|advertise-address)[= ](\S+)/g)) {
    assert.ok(m[1]!.includes('127.0.0.1') || m[1] === NET.gateway, `${m[0]}`);
  }
  assert.match(conf.kubeletConfig(), /^address: 127\.0\.0\.1$/m);
  assert.match(conf.kubeletConfig(), /^healthzBindAddress: 127\.0\.0\.1$/m);
  assert.match(conf.kubeProxyConfig(), /nodePortAddresses:\n {2}- 127\.0\.0\.1\/32/);
  assert.match(conf.registryConfig(), new RegExp(`addr: 127\\.0\\.0\\.1:${PORTS.registry}`));
  assert.match(conf.corefile(), new RegExp(`bind ${NET.gateway.replace(/\./g, '\\.')}`));
  assert.not.match(conf.corefile(), /forward/, 'no query leaves the machine');
});

test('containerd: private sockets and state, the docker.io mirror has no fallback, pods are not masqueraded', () => {
  const toml = conf.containerdConfig();
  assert.match(toml, new RegExp(`address = "${RUN_DIR}/containerd\\.sock"`));
  assert.match(toml, /restrict_oom_score_adj = true/);
  const hosts = conf.registryHosts();
  assert.match(hosts['docker.io']!, /^server = "http:\/\/127\.0\.0\.1:5000"/);
  assert.not.match(hosts['docker.io']!, /registry-1\.docker\.io/);
  const cni = JSON.parse(conf.cniConfig()) as { plugins: { type: string; ipMasq?: boolean }[] };
  assert.equal(
    cni.plugins.map((p) => p.type),
    ['bridge', 'firewall', 'portmap'],
  );
  assert.is(cni.plugins[0]!.ipMasq, false);
});

test.run();
