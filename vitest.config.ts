/**
 * Vitest settings. No test may fail because the machine is slow (a loaded
 * 2-CPU CI runner takes several times longer than a laptop), so there is no
 * per-test or per-hook time limit: a test fails on what it checks, never on
 * how long it took. Hangs are the CI job's timeout to catch; the fuzz suite
 * bounds its own work by counts (events, cases), not by the clock.
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 0,
    hookTimeout: 0,
    teardownTimeout: 0,
  },
});
