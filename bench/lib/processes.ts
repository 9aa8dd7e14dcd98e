import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { get } from 'node:http';

/** Resident memory of a process in MB, from /proc (Linux). */
export function rssMb(pid: number): number {
  const m = readFileSync(`/proc/${pid}/status`, 'utf8').match(/^VmRSS:\s+(\d+)/m);
  return m ? Number(m[1]) / 1024 : 0;
}

/** Peak RSS growth of `pid` while `job` runs, sampled every 10 ms. */
export async function withPeakRss<T>(pid: number, job: () => Promise<T>): Promise<{ result: T; peakMemMb: number; seconds: number }> {
  const base = rssMb(pid);
  let peak = base;
  const timer = setInterval(() => (peak = Math.max(peak, rssMb(pid))), 10);
  const t = performance.now();
  try {
    const result = await job();
    return { result, seconds: (performance.now() - t) / 1000, peakMemMb: Math.round((Math.max(peak, rssMb(pid)) - base) * 10) / 10 };
  } finally {
    clearInterval(timer);
  }
}

/** Runs a command to its end; its stdout, or a thrown error with its stderr's tail. */
export function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (code) => (code === 0 ? ok(out) : fail(new Error(`${cmd} ${args[0] ?? ''} exited with ${code}: ${err.slice(-3000)}`))));
  });
}

/** Counts the gateway's upstream calls by operation from its debug log (JSON lines). */
export class LogCallCounter {
  private counts: Record<string, number> = {};
  constructor(child: ChildProcess) {
    let buffer = '';
    child.stdout?.on('data', (d: Buffer) => {
      buffer += d.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        try {
          const entry = JSON.parse(line) as { msg?: string; op?: string };
          if (entry.msg === 'upstream call' && entry.op) this.counts[entry.op] = (this.counts[entry.op] ?? 0) + 1;
        } catch {
          // Not a log line.
        }
      }
    });
  }
  take(): Record<string, number> {
    const out = this.counts;
    this.counts = {};
    return out;
  }
}

/** Resolves once the gateway at `url` answers /healthz. */
export function waitReady(url: string, tries = 200): Promise<void> {
  return new Promise((ok, fail) => {
    const attempt = (n: number) =>
      get(`${url}/healthz`, { agent: false }, (res) => {
        res.resume();
        if (res.statusCode === 200) ok();
        else retry(n);
      }).on('error', () => retry(n));
    const retry = (n: number) => (n <= 0 ? fail(new Error('gateway did not start')) : setTimeout(() => attempt(n - 1), 100));
    attempt(tries);
  });
}
