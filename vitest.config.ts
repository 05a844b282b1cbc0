import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts', 'test/support/rgw/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    // Tests that reach S3 with the AWS SDK directly would print its Node-version notice; the CLI sets the
    // same itself (src/targets/s3.ts), and test/ci/quiet.test.ts unsets it to prove that.
    env: { AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
  },
});
