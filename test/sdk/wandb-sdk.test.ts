import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../helpers/mlflow-server';
import { TEST_WANDB_KEY } from '../helpers/wandb';
import { testSeed } from '../wandb-server/seed';
import { startWandbServer, type WandbServer } from '../wandb-server/server';


/** The number of `def test_` cases in test/sdk/*.py: pytest must report exactly this many passed. */
function conformanceCases(): number {
  const dir = join(repoRoot(), 'test', 'sdk');
  return readdirSync(dir)
    .filter((f) => f.startsWith('test_') && f.endsWith('.py'))
    .reduce((n, f) => n + (readFileSync(join(dir, f), 'utf8').match(/^def test_/gm) ?? []).length, 0);
}

describe('the real wandb SDK against the W&B protocol test server', () => {
  let server: WandbServer;
  let home: string;
  beforeAll(async () => {
    server = await startWandbServer({ seed: testSeed(), apiKey: TEST_WANDB_KEY });
    home = mkdtempSync(join(tmpdir(), 'mlgate-wandb-'));
  });
  afterAll(async () => {
    await server.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it('passes the SDK conformance suite (test/sdk/test_*.py)', async () => {
    const python = join(repoRoot(), '.venv', 'bin', 'python');
    const child = spawn(python, ['-m', 'pytest', join(repoRoot(), 'test', 'sdk'), '-q', '-p', 'no:cacheprovider', '-rA'], {
      env: {
        ...process.env,
        WANDB_BASE_URL: server.url,
        WANDB_API_KEY: TEST_WANDB_KEY,
        // No Sentry, analytics or telemetry probes: the network here is loopback only.
        WANDB_ERROR_REPORTING: 'false',
        WANDB_SILENT: 'true',
        WANDB_CONFIG_DIR: join(home, 'config'),
        WANDB_CACHE_DIR: join(home, 'cache'),
        WANDB_DATA_DIR: join(home, 'data'),
        WANDB_DIR: home,
        HOME: home,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((ok) => child.on('exit', ok));
    if (code !== 0) throw new Error(`pytest exited with ${code}:\n${output.slice(-6000)}`);
    // Every conformance case ran and passed; none may be skipped.
    expect(output).toMatch(new RegExp(`\\b${conformanceCases()} passed\\b`));
    expect(output).not.toMatch(/skipped|xfail/);
    // The SDK really went through the protocol paths this server implements.
    expect(server.operations).toEqual(expect.arrayContaining(['UpsertBucket', 'Viewer', 'RunSampledHistory', 'RunParquetHistory', 'HistoryPage', 'CreateRunFiles', 'ArtifactMembershipByName', 'LinkArtifact', 'AddAliases', 'DeleteAliases', 'UpdateArtifact']));
    // The import write protocol (test_wandb_file_stream.py): 10 file_stream POSTs, one refused with 429 and one with 400.
    expect(server.fileStreams.filter((p) => p.startsWith('mlgate-import/'))).toHaveLength(10);
  }, 240_000);
});
