// Provider detection rules that need no tool: which API server URLs count as this machine.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { isLoopbackServer } from '../lib/providers/index.ts';

const CASES: [string, boolean][] = [
  ['https://127.0.0.1:6443', true],
  ['https://127.0.0.2:6443', true],
  ['https://localhost:6443', true],
  ['https://[::1]:6443', true],
  ['https://10.0.0.5:6443', false],
  ['https://127.0.0.1.example.com:6443', false],
  ['https://prod.example.com', false],
  ['https://35.200.1.1', false],
  ['not a url', false],
  ['', false],
];

for (const [server, loopback] of CASES) {
  test(`isLoopbackServer(${JSON.stringify(server)}) is ${loopback}`, () => {
    assert.is(isLoopbackServer(server), loopback);
  });
}

test.run();
