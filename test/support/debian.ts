/**
 * Debian packages the tests need (servers, shells): present, installed here when we run as root (as
 * `.ci/run` and `npm test` on a build machine do), or a failure naming the install command. Never a
 * silent skip.
 */
import { spawnSync } from 'node:child_process';

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
  let res = spawnSync('sh', ['-c', install], { stdio: 'inherit', env });
  if (res.status !== 0) {
    spawnSync('apt-get', ['update'], { stdio: 'inherit', env });
    res = spawnSync('sh', ['-c', install], { stdio: 'inherit', env });
  }
  const still = missing.filter(([cmd]) => !has(cmd));
  if (res.status !== 0 || still.length > 0)
    throw new Error(`${purpose}: \`${install}\` failed; ${still.map(([c]) => c).join(', ')} still missing`);
}
