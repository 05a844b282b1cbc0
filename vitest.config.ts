import { configDefaults, defineConfig } from 'vitest/config';

/**
 * `npm run test:fast` (VINEYARD_TEST_LANE=fast), the edit loop: no server (S3, registry, runtime cluster,
 * fault proxies), no many-trial chaos test, and not the suites that run the whole chart through real helm
 * end to end (differential, release, help examples, CLI conventions, chart quality, install-time guard
 * rails, helm lint, umbrella charts) — `npm test` runs them. Under 60 s on 2 quiet cores.
 */
const SLOW = [
  'test/runtime/**',
  'test/repo/**',
  'test/publish/rgw.test.ts',
  'test/publish/oci-*.test.ts',
  'test/publish/file-crash.test.ts',
  'test/publish/s3-timeout.test.ts',
  'test/release/release-remote.test.ts',
  'test/release/release.test.ts',
  'test/lint/against.test.ts',
  'test/render/differential.test.ts',
  'test/cli/help-examples.test.ts',
  'test/cli/conventions.test.ts',
  'test/chart/quality.test.ts',
  'test/chart/guard-rails.test.ts',
  'test/chart/helm-lint.test.ts',
  'test/chart/umbrella.test.ts',
];
const fast = process.env.VINEYARD_TEST_LANE === 'fast';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    exclude: fast ? [...configDefaults.exclude, ...SLOW] : configDefaults.exclude,
    // the fast lane is mostly CPU in this process and short helm runs: both cores of a 2-core machine, and
    // one module graph per fork instead of one per file (collect 9 s -> 4 s; the full suite keeps isolation)
    ...(fast ? { poolOptions: { forks: { maxForks: 2, minForks: 1, isolate: false } } } : {}),
    globalSetup: ['test/global-setup.ts', 'test/support/rgw/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Tests that reach S3 with the AWS SDK directly would print its Node-version notice; the CLI sets the
    // same itself (src/targets/s3.ts), and test/ci/quiet.test.ts unsets it to prove that.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
