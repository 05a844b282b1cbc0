/**
 * Knobs of the targets that only tests turn.
 *
 * VINEYARD_CHARTS_STALE_MS: age after which a crash leftover is removed: a file target's stage or old
 * temp file (default 10 minutes), a probe object in any store (default 1 hour, beyond S3's 15-minute
 * clock-skew limit). Removing one early is always safe (a live stage owner just retries, see
 * file/commit.ts; a live prober refuses to publish); the age only keeps slow live runs from failing.
 *
 * VINEYARD_CHARTS_TEST_PAUSE_AT=commit (test-only, inert unless set): the process stops itself with
 * SIGSTOP once, on its first index.yaml commit, after its compare and right before its rename, the
 * worst instant to be paused. The test then continues it with SIGCONT.
 */
export function staleMs(defaultMs: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.VINEYARD_CHARTS_STALE_MS;
  const n = raw === undefined || raw === '' ? Number.NaN : Number(raw);
  return Number.isFinite(n) && n >= 0 ? n : defaultMs;
}

let paused = false;

export function testPause(point: 'commit', key: string): void {
  if (process.env.VINEYARD_CHARTS_TEST_PAUSE_AT !== point || key !== 'index.yaml' || paused) return;
  paused = true;
  process.kill(process.pid, 'SIGSTOP');
}
