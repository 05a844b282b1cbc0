/**
 * The Debian packages the suite starts (issue 14, item 5): present, installed when root, else a failure
 * naming the apt-get command — never a silent skip.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { PROJECT_ROOT } from '../../src/paths.ts';
import { ensureDebianCommands } from '../support/debian.ts';
import { registryAvailable } from '../support/docker-registry.ts';
import { missingRgwBinaries } from '../support/rgw/rgw.ts';

afterEach(() => {
  vi.restoreAllMocks();
});

describe('servers the tests start', () => {
  it('not root and missing: fails naming the install command', () => {
    vi.spyOn(process as { getuid: () => number }, 'getuid').mockReturnValue(1000);
    expect(() =>
      ensureDebianCommands({ 'vineyard-no-such-command': 'vineyard-no-such-package' }, 'the example test'),
    ).toThrow(
      'the example test needs vineyard-no-such-command (Debian: vineyard-no-such-package), not installed. ' +
        'Install them as root: apt-get install -y --no-install-recommends vineyard-no-such-package',
    );
  });

  it('RGW and docker-registry are there (installed by the suite itself when root)', () => {
    expect(missingRgwBinaries()).toEqual([]);
    expect(registryAvailable()).toBe(true);
  });

  it('no global setup prints a SKIPPED banner any more', () => {
    const setup = readFileSync(path.join(PROJECT_ROOT, 'test/support/rgw/global-setup.ts'), 'utf8');
    expect(setup).not.toMatch(/SKIPPED/);
  });
});
