// Every validate check, in the order the table shows them.
import { APP_CHECKS } from './app.ts';
import { CLUSTER_CHECKS } from './cluster.ts';
import { CONFIG_CHECKS } from './config.ts';
import { NETWORK_CHECKS } from './network.ts';
import { RELEASE_CHECKS } from './release.ts';
import type { Check } from './types.ts';
import { WORKLOAD_CHECKS } from './workloads.ts';

export const CHECKS: readonly Check[] = [
  ...CLUSTER_CHECKS,
  ...RELEASE_CHECKS,
  ...WORKLOAD_CHECKS,
  ...CONFIG_CHECKS,
  ...NETWORK_CHECKS,
  ...APP_CHECKS,
];

export * from './types.ts';
