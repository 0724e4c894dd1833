#!/usr/bin/env node
// Ink draws only a final frame when it believes it runs under CI (it reads CI at import time).
// A person at a real terminal is not CI, whatever the environment says, so drop the flag first.
if (process.stdin.isTTY && process.stdout.isTTY) {
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
}
await import('../dist/admin/main.js');
