// Terminal rendering tests run the script on a pseudo-terminal made by util-linux `script`
// (`script -qfec "<command>" /dev/null`). In CI a missing `script` fails the test; locally it
// is a skip that says why.
import { spawnSync } from 'node:child_process';

/** Whether `script` is there to give a command a pseudo-terminal (throws in CI when it is not). */
export function ptyAvailable(): boolean {
  if (spawnSync('script', ['--version']).status === 0) return true;
  if (process.env.CI) throw new Error('util-linux `script` is not installed (apt-get install bsdutils): the terminal tests cannot run');
  console.log('  skipped: util-linux `script` is not installed');
  return false;
}

/** One shell command line for `script -c`, every argument single-quoted. */
export function shellLine(argv: readonly string[]): string {
  return argv.map((a) => `'${a.replaceAll("'", `'\\''`)}'`).join(' ');
}
