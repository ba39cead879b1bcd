// Runs the real Orleans.AgentChannel server (the built WebFrontend dll) for the interop tests, as the Python
// SDK's tests do: its own SQLite file, HTTP port, silo ports and cluster id, and a known operator token.
// AGENTCHANNEL_SERVER_DLL points at another build; without it the repository's Debug build is used, built
// with `dotnet build src/WebFrontend` when missing.

import { spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const defaultDll = join(repoRoot, 'src', 'WebFrontend', 'bin', 'Debug', 'net10.0', 'Orleans.AgentChannel.WebFrontend.dll');
export const operatorToken = 'test-operator-token';
const startTimeoutMs = 90_000;
const stopTimeoutMs = 15_000;

function freePort() {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

function serverDll() {
  const override = process.env.AGENTCHANNEL_SERVER_DLL;
  if (override) {
    if (!existsSync(override)) throw new Error(`AGENTCHANNEL_SERVER_DLL=${override} does not exist`);
    return resolve(override);
  }
  if (!existsSync(defaultDll)) {
    const build = spawnSync('dotnet', ['build', 'src/WebFrontend', '--nologo', '-v', 'q'], { cwd: repoRoot, encoding: 'utf8', timeout: 900_000 });
    if (build.status !== 0 || !existsSync(defaultDll)) {
      throw new Error(`dotnet build src/WebFrontend failed:\n${build.stdout?.slice(-4000)}\n${build.stderr?.slice(-4000)}`);
    }
  }
  return defaultDll;
}

/**
 * Starts a server and resolves once /api/health answers. `settings` are extra environment variables
 * (configuration keys with `__` for `:`).
 */
export async function startServer(settings = {}) {
  const dll = serverDll();
  const directory = mkdtempSync(join(tmpdir(), 'agentchannel-interop-'));
  const logPath = join(directory, 'server.log');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const log = openSync(logPath, 'a');
  const child = spawn('dotnet', [dll, '--urls', url], {
    cwd: dirname(dll),
    env: {
      ...process.env,
      AgentChannel__Storage__SqlitePath: join(directory, 'agentchannel.db'),
      AgentChannel__OperatorToken: operatorToken,
      AgentChannel__Silo__SiloPort: String(await freePort()),
      AgentChannel__Silo__GatewayPort: String(await freePort()),
      AgentChannel__Silo__ClusterId: `test-${randomUUID()}`,
      Logging__LogLevel__Default: 'Warning',
      shutdownTimeoutSeconds: '2',
      DOTNET_CLI_TELEMETRY_OPTOUT: '1',
      DOTNET_NOLOGO: '1',
      ...settings,
    },
    stdio: ['ignore', log, log],
  });
  let exited = null;
  child.once('exit', (code, signal) => { exited = { code, signal }; });
  // A test run that dies must not leave a server behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const logTail = () => readFileSync(logPath, 'utf8').slice(-4000);

  async function stop() {
    process.removeListener('exit', killOnExit);
    if (exited === null) {
      const gone = new Promise((done) => child.once('exit', done));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      await gone;
      clearTimeout(timer);
    }
    rmSync(directory, { recursive: true, force: true });
  }

  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exited !== null) {
      throw new Error(`the server exited (${JSON.stringify(exited)}) while starting:\n${logTail()}`);
    }
    try {
      if ((await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) })).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      const tail = logTail();
      await stop();
      throw new Error(`the server was not healthy within ${startTimeoutMs / 1000} s:\n${tail}`);
    }
    await new Promise((wake) => setTimeout(wake, 50));
  }
  return { url, stop, logTail };
}
