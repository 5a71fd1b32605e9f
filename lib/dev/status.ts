// One status line per dev cycle:
//   #7 backend changed → built 3.1s · loaded 1.2s · rolled 4.0s · smoke ok
// (rolled counts the helm upgrade and the rollout watch). Failures say what failed and
// what the loop does next; the lines that explain them (build output, the diagnosis)
// are printed above by the steps.
import type { CycleReport, Outcome, Target } from './loop.ts';

/** What the loop does after each outcome, in words. */
const NEXT: Record<Outcome, string> = {
  ok: '',
  'smoke-failed': '',
  unchanged: '',
  'build-failed': 'waiting for the next change',
  'upgrade-failed': 'waiting for the next change',
  'rollout-failed': 'waiting for the next change',
  superseded: 'a newer change is next',
  paused: 'paused',
};

/** Always seconds with one decimal (0.2s, 3.1s, 74.0s): the lines line up cycle after cycle. */
export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

export function changedWhat(targets: readonly Target[]): string {
  return `${targets.join(' + ')} changed`;
}

export function statusLine(r: CycleReport): string {
  const parts = r.stages.map((s) => (s.note ? `${s.name === 'built' ? 'build' : s.name} ${s.note}` : `${s.name} ${seconds(s.ms)}`));
  switch (r.outcome) {
    case 'ok':
      parts.push(`smoke ok${r.smoke ? ` (${r.smoke.passed}/${r.smoke.total})` : ''}`);
      break;
    case 'smoke-failed':
      parts.push(`smoke failed (${r.smoke!.failed.map((f) => f.name).join(', ')}; ${r.smoke!.passed}/${r.smoke!.total} passed)`);
      break;
    case 'unchanged':
      parts.push('same content tag, nothing to deploy');
      break;
    case 'build-failed':
      parts.push(`build failed: ${r.message}`);
      break;
    case 'upgrade-failed':
      parts.push(`helm upgrade failed: ${r.message}`);
      break;
    case 'rollout-failed':
      parts.push(`rollout failed: ${r.message}`);
      break;
    case 'superseded':
      parts.push('superseded');
      break;
    case 'paused':
      parts.push(`cluster unreachable`);
      break;
  }
  const next = NEXT[r.outcome];
  return `#${r.n} ${changedWhat(r.targets)} → ${parts.join(' · ')}${next ? ` · ${next}` : ''}`;
}

/** Whether the cycle left the app serving the change. */
export function statusKind(r: CycleReport): 'ok' | 'warn' | 'fail' | 'info' {
  return (
    ({ ok: 'ok', unchanged: 'info', superseded: 'info', 'smoke-failed': 'warn', paused: 'warn' } as const)[r.outcome as 'ok'] ?? 'fail'
  );
}
