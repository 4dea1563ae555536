import { spawn } from 'node:child_process';
import path from 'node:path';

/**
 * Runs crash-child.ts on `dataDir` (in `mode`), lets it acknowledge `acks` writes, then kills it
 * with SIGKILL in mid-stream — once `killWhen` also holds, when given (it is asked at each output).
 * Resolves, once the child is gone, with the ids whose writes were acknowledged.
 */
export async function runUntilKilled(dataDir: string, acks: number, mode = 'plain', killWhen: () => boolean = () => true): Promise<string[]> {
  // the child runs the TypeScript sources through the compiler's transpiler, like ts-jest does
  const register = `
    const ts = require('typescript'); const fs = require('fs');
    require.extensions['.ts'] = (module, file) => module._compile(ts.transpileModule(fs.readFileSync(file, 'utf8'),
      { fileName: file, compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true } }).outputText, file);
    require(process.argv[1]);`;
  const child = spawn(process.execPath, ['-e', register, path.join(__dirname, 'crash-child.ts'), dataDir, mode], {
    cwd: path.join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const acked: string[] = [];
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let buffer = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) if (line.startsWith('ack ')) acked.push(line.slice(4));
      if (acked.length >= acks && child.exitCode === null && !child.killed && killWhen()) {
        child.kill('SIGKILL'); // mid-stream: writers are still running
        resolve();
      }
    });
    child.once('exit', () => (acked.length >= acks ? resolve() : reject(new Error(`child exited early: ${stderr}`))));
  });
  await exited;
  return acked;
}
