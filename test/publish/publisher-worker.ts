/**
 * A long-lived publisher process for the concurrency test: reads one JSON job per stdin line, runs
 * publishCharts (the code behind `vineyard-charts publish`) and answers one JSON line per job. Keeping
 * the 16 processes alive across rounds lets every round start all of them at the same instant.
 */
import { createInterface } from 'node:readline';
import { publishCharts } from '../../src/stages/publish/publish.ts';

interface Job {
  files: string[];
  to: string;
  endpoint: string;
}

process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
for await (const line of createInterface({ input: process.stdin })) {
  const job = JSON.parse(line) as Job;
  try {
    const summary = await publishCharts(job.files, { to: job.to, endpoint: job.endpoint, pathStyle: true });
    process.stdout.write(
      `${JSON.stringify({ ok: true, attempts: summary.index.attempts, action: summary.index.action })}\n`,
    );
  } catch (err) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: (err as Error).message })}\n`);
  }
}
