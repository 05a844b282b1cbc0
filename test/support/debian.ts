/**
 * Debian packages the tests need (servers, shells): present, installed here when we run as root (as
 * `.ci/run` and `npm test` on a build machine do), or a failure naming the install command. Never a
 * silent skip.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';

const has = (command: string) =>
  spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

/** `commands`: command -> Debian package. Throws unless every command is there afterwards. */
export function ensureDebianCommands(commands: Record<string, string>, purpose: string): void {
  const missing = Object.entries(commands).filter(([cmd]) => !has(cmd));
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map(([, pkg]) => pkg))];
  const install = `apt-get install -y --no-install-recommends ${packages.join(' ')}`;
  if (process.getuid?.() !== 0)
    throw new Error(
      `${purpose} needs ${missing.map(([cmd]) => cmd).join(', ')} (Debian: ${packages.join(' ')}), not installed. ` +
        `Install them as root: ${install}`,
    );
  process.stderr.write(`${purpose}: installing ${packages.join(' ')} (${install})\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // as .ci/run does: maintainer scripts must not start services (no init system here)
  const policy = '/usr/sbin/policy-rc.d';
  const madePolicy = !existsSync(policy);
  if (madePolicy) writeFileSync(policy, '#!/bin/sh\nexit 101\n', { mode: 0o755 });
  const apt = `apt-get -o DPkg::Lock::Timeout=120 install -y -qq --no-install-recommends ${packages.join(' ')}`;
  try {
    let res = spawnSync('sh', ['-c', apt], { stdio: 'inherit', env });
    if (res.status !== 0) {
      spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=120', 'update', '-qq'], { stdio: 'inherit', env });
      res = spawnSync('sh', ['-c', apt], { stdio: 'inherit', env });
    }
    if (res.status !== 0) throw new Error(`${purpose}: \`${install}\` failed (exit ${res.status})`);
  } finally {
    if (madePolicy) rmSync(policy, { force: true });
  }
  const still = missing.filter(([cmd]) => !has(cmd));
  if (still.length > 0)
    throw new Error(`${purpose}: \`${install}\` failed; ${still.map(([c]) => c).join(', ')} still missing`);
}
