import type { StringMap } from '../../../src/engine/engine.types';
import type { ContainerRecord, MemoryImage } from './model';
import { namespaceOf, resolve, route, type World } from './reachability';

// What a command does when it runs in a container of the model. The default simulates the
// busybox applets the services use (ping, and the matrix probe script that runs ping per
// target), plus a little of `sh -c`, with output in busybox's real format.

export interface ExecContext {
  world: World;
  // The container the command runs in (for a probe, the one whose network namespace it joins).
  container: ContainerRecord;
  // The image whose programs are on PATH (for a probe, the probe image).
  image: MemoryImage;
  command: string[];
  env: StringMap;
  workingDir?: string;
  user?: string;
}

export interface ExecOutcome {
  exitCode: number;
  stdout?: string;
  stderr?: string;
  // How long the command runs in real time (an exec waits for it up to its deadline; a
  // container's main command that runs for a while keeps the container running).
  runsForMs?: number;
}

// A test's own behaviour for commands; `simulate` is the default (busybox) behaviour.
export type ExecHandler = (
  context: ExecContext,
  simulate: (context: ExecContext) => ExecOutcome,
) => ExecOutcome | Promise<ExecOutcome>;

const program = (argv0: string) => argv0.slice(argv0.lastIndexOf('/') + 1);

// Exit code and message of runc when the program is not in the image (Docker 20.10 and 26.1).
export function missingProgram(argv0: string): ExecOutcome {
  return {
    exitCode: 126,
    stdout: `OCI runtime exec failed: exec failed: unable to start container process: exec: "${argv0}": executable file not found in $PATH: unknown\r\n`,
  };
}

export function simulateBusybox(context: ExecContext): ExecOutcome {
  const [argv0, ...args] = context.command;
  if (!argv0 || !context.image.programs.includes(program(argv0))) return missingProgram(argv0 ?? '');
  return run(context, program(argv0), args);
}

function run(context: ExecContext, name: string, args: string[]): ExecOutcome {
  switch (name) {
    case 'ping':
    case 'ping6':
      return ping(context, args);
    case 'sh':
      return shell(context, args);
    case 'sleep':
      return { exitCode: 0, runsForMs: Number(args[0] ?? '0') * 1000 };
    case 'echo':
      return { exitCode: 0, stdout: `${args.join(' ')}\n` };
    case 'true':
      return { exitCode: 0 };
    case 'false':
      return { exitCode: 1 };
    case 'hostname':
      return { exitCode: 0, stdout: `${context.container.hostname}\n` };
    case 'pwd':
      return { exitCode: 0, stdout: `${context.workingDir ?? '/'}\n` };
    case 'printenv':
      return args[0] && args[0] in context.env
        ? { exitCode: 0, stdout: `${context.env[args[0]]}\n` }
        : { exitCode: 1 };
    case 'cat':
      return args[0] === '/etc/hostname'
        ? { exitCode: 0, stdout: `${context.container.hostname}\n` }
        : { exitCode: 1, stderr: `cat: can't open '${args[0] ?? ''}': No such file or directory\n` };
    default:
      return {
        exitCode: 127,
        stderr: `memory engine: "${name}" is on the image but not simulated; give the engine an exec handler\n`,
      };
  }
}

// --- ping ------------------------------------------------------------------------------------

function ping(context: ExecContext, args: string[]): ExecOutcome {
  let count = 4;
  let host: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '-c') count = Number(args[++i]);
    else if (['-w', '-W', '-i', '-s', '-I'].includes(arg)) i++;
    else if (!arg.startsWith('-')) host = arg;
  }
  if (!host)
    return { exitCode: 1, stderr: 'BusyBox v1.35.0 multi-call binary.\n\nUsage: ping [OPTIONS] HOST\n' };
  const from = namespaceOf(context.world, context.container);
  const address = resolve(context.world, from, host);
  if (!address) return { exitCode: 1, stderr: `ping: bad address '${host}'\n` };
  const header = `PING ${host} (${address}): 56 data bytes\n`;
  const verdict = route(context.world, from, address);
  if (verdict === 'unreachable')
    return { exitCode: 1, stdout: header, stderr: 'ping: sendto: Network is unreachable\n' };
  const times = verdict === 'reply' ? Array.from({ length: count }, (_, seq) => 0.05 + seq * 0.011) : [];
  const replies = times.map(
    (t, seq) => `64 bytes from ${address}: seq=${seq} ttl=64 time=${t.toFixed(3)} ms\n`,
  );
  const loss = Math.round(((count - times.length) / count) * 100);
  let stats = `\n--- ${host} ping statistics ---\n${count} packets transmitted, ${times.length} packets received, ${loss}% packet loss\n`;
  if (times.length) {
    const avg = times.reduce((a, b) => a + b, 0) / times.length;
    stats += `round-trip min/avg/max = ${Math.min(...times).toFixed(3)}/${avg.toFixed(3)}/${Math.max(...times).toFixed(3)} ms\n`;
  }
  return { exitCode: times.length ? 0 : 1, stdout: header + replies.join('') + stats };
}

// --- sh -c -----------------------------------------------------------------------------------

// The connectivity matrix's probe: `sh -c '<script>' sh <count> <deadline> <targets...>`, one
// ping per target, each output line prefixed with `<target>|`.
const MATRIX_PROBE = /^c=\$1; w=\$2; shift 2; for t in "\$@"; do .*ping -c "\$c" -w "\$w".*echo "\$t\|\$l"/;

function shell(context: ExecContext, args: string[]): ExecOutcome {
  if (args[0] !== '-c') return { exitCode: 0 }; // no tty and no input: sh exits at once
  const script = args[1] ?? '';
  const positional = args.slice(3);
  if (MATRIX_PROBE.test(script)) {
    const [count, deadline, ...targets] = positional;
    const lines = targets.flatMap((target) => {
      const out = ping(context, ['-c', count, '-w', deadline, '-W', deadline, '-i', '0.2', target]);
      return `${out.stdout ?? ''}${out.stderr ?? ''}`
        .split('\n')
        .filter((l, i, all) => i < all.length - 1 || l !== '')
        .map((l) => `${target}|${l}\n`);
    });
    return { exitCode: 0, stdout: lines.join('') };
  }
  if (/[|&<(`]|\bfor\b|\bif\b|\bwhile\b/.test(script.replace(/>&2/g, ''))) {
    return { exitCode: 2, stderr: `memory engine: this script is not simulated: ${script}\n` };
  }
  let stdout = '';
  let stderr = '';
  let exitCode = 0;
  let runsForMs = 0;
  for (const statement of script
    .split(/[;\n]/)
    .map((s) => s.trim())
    .filter(Boolean)) {
    const words = splitWords(statement, context.env, positional);
    const toStderr = words[words.length - 1] === '>&2';
    if (toStderr) words.pop();
    const [name, ...rest] = words;
    if (name === 'exit') return { exitCode: Number(rest[0] ?? exitCode), stdout, stderr, runsForMs };
    const builtin = ['echo', 'true', 'false', 'pwd'].includes(name);
    const out =
      builtin || context.image.programs.includes(program(name))
        ? run(context, program(name), rest)
        : { exitCode: 127, stderr: `sh: ${name}: not found\n` };
    if (toStderr) stderr += `${out.stdout ?? ''}${out.stderr ?? ''}`;
    else {
      stdout += out.stdout ?? '';
      stderr += out.stderr ?? '';
    }
    exitCode = out.exitCode;
    runsForMs += out.runsForMs ?? 0;
  }
  return { exitCode, stdout, stderr, runsForMs };
}

// Words of one simple command: quotes, $VAR and $1..$9 expanded.
function splitWords(statement: string, env: StringMap, positional: string[]): string[] {
  const expand = (text: string) =>
    text.replace(/\$(\d|[A-Za-z_][A-Za-z0-9_]*)/g, (_, name: string) =>
      /^\d$/.test(name) ? (positional[Number(name) - 1] ?? '') : (env[name] ?? ''),
    );
  const words: string[] = [];
  for (const match of statement.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)) {
    const word = match[1] ?? expand(match[2] ?? match[3]);
    // An unquoted word that expands to nothing is no word at all.
    if (word !== '' || match[3] === undefined) words.push(word);
  }
  return words;
}
