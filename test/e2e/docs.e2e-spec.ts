import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Docker from 'dockerode';
import { docCommands, fencedBlocks, matchPattern, type DocCommand } from '../support/doc-examples';
import { BARE_ENGINE_HOST, TEST_ENGINE } from '../support/engines';
import { freePort, ServiceProcesses, type ServiceProcess } from '../support/service-process';
import { runTempDir } from '../support/temp';

// The doc test (docs/testing.md, "Doc test"): every shell example of the README and docs/, in
// order, one bash session per document, against a real service process on a fresh database and
// the suite's swarm-less engine (nothing else runs there but one overlay refusal, so the docs'
// fixed names and subnets collide with no other test file). Each command's answer is checked
// against what the text shows.

const ROOT = join(__dirname, '..', '..');
// The documents, in the order they run; every docs/*.md must be listed.
const DOCUMENTS = [
  'README.md',
  'docs/api.md',
  'docs/security.md',
  'docs/audit.md',
  'docs/errors.md',
  'docs/configuration.md',
  'docs/testing.md',
  'docs/development.md',
  'docs/benchmarks.md',
];
// The names the examples give to what they create: removed before the run (what a crashed run
// left) and after it, on the swarm-less engine only.
const DOC_CONTAINERS = ['containerA', 'containerB', 'web', 'lab-web', 'lab-db', 'lab-client', 'shop-web'];
const DOC_NETWORKS = ['demo', 'backend', 'backend2', 'lan', 'mesh', 'lab-front', 'lab-back', 'shop-net'];
// The placeholder NIC of the macvlan example: a veth of the swarm-less engine's namespace
// (scripts/test-engines.sh), used by no other test there.
const DOC_MACVLAN_PARENT = 'sy-mv0';
const ADMIN_KEY = `sy_doctest_${'k'.repeat(40)}`;

// The only rewriting of the examples (with the preamble below): the service's address, the real
// key and the lab NIC.
const SUBSTITUTIONS = (port: number): Array<[string, string]> => [
  ['localhost:8080', `127.0.0.1:${port}`],
  ['sy_...your key...', ADMIN_KEY],
  ['"parent": "eth1"', `"parent": "${DOC_MACVLAN_PARENT}"`],
];

function substitute(text: string, port: number): string {
  return SUBSTITUTIONS(port).reduce((out, [from, to]) => out.replaceAll(from, to), text);
}

// The session's preamble: curl also writes the answer's status to stderr (`-w`), where the test
// reads it; AUTH is set for the documents that use it without defining it (those that define it
// set the same value through the substitution above).
function preamble(): string {
  return [
    `curl() { command curl -w '%{stderr}\\n__doc_status=%{http_code}\\n' "$@"; }`,
    `AUTH="authorization: Bearer ${ADMIN_KEY}"`,
    '',
  ].join('\n');
}

// A GraphQL operation is sent the way the API tour sends GraphQL with curl.
function graphqlCommand(operation: DocCommand, dir: string, index: number): string {
  const body = join(dir, `${index}.graphql.json`);
  writeFileSync(body, JSON.stringify({ query: operation.text }));
  return `curl -s -H "$AUTH" localhost:8080/graphql -H 'content-type: application/json' --data-binary @${body}`;
}

interface Ran {
  command: DocCommand;
  stdout: string;
  stderr: string;
  statuses: number[]; // of each curl the command ran
  exitCode: number;
}

function bash(script: string, cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile('bash', [script], { cwd, timeout: 110_000 }, (error) =>
      error ? reject(new Error(`the session ${script} failed: ${error.message}`)) : resolve(),
    );
  });
}

async function runDocument(doc: string, commands: DocCommand[], port: number): Promise<Ran[]> {
  const dir = runTempDir('doc-');
  const toRun = commands.filter((c) => c.skip === undefined);
  const parts = [preamble()];
  toRun.forEach((command, i) => {
    const text = command.kind === 'graphql' ? graphqlCommand(command, dir, i) : command.text;
    parts.push(
      `# ${doc}:${command.line}`,
      `{ ${substitute(text, port)}\n} >${i}.out 2>${i}.err`,
      `echo $? >${i}.rc`,
    );
  });
  writeFileSync(join(dir, 'session.sh'), parts.join('\n') + '\n');
  await bash(join(dir, 'session.sh'), dir);
  return toRun.map((command, i) => {
    const read = (ext: string) =>
      existsSync(join(dir, `${i}.${ext}`)) ? readFileSync(join(dir, `${i}.${ext}`), 'utf8') : '';
    const statuses = [...read('err').matchAll(/__doc_status=(\d{3})/g)].map((m) => Number(m[1]));
    return {
      command,
      stdout: read('out'),
      stderr: read('err').replace(/\n?__doc_status=\d{3}\n/g, ''),
      statuses,
      exitCode: Number(read('rc').trim() || '-1'),
    };
  });
}

// What is wrong with one command's answer (empty: it shows what the text shows).
function check({ command, stdout, stderr, statuses, exitCode }: Ran): string[] {
  const problems: string[] = [];
  if (exitCode !== 0) problems.push(`exit code ${exitCode} (stderr: ${stderr.trim()})`);
  const expected = command.expect.status;
  const status = statuses[statuses.length - 1] ?? null;
  if (expected !== undefined && status !== expected)
    problems.push(`status ${status}, the text shows ${expected}`);
  if (expected === undefined && statuses.some((s) => s >= 400))
    problems.push(`status ${statuses.join(', ')} where the text shows no error`);
  let answer: unknown;
  const parse = () => {
    try {
      return JSON.parse(stdout) as unknown;
    } catch {
      problems.push(`the answer is not JSON: ${stdout.slice(0, 300)}`);
      return undefined;
    }
  };
  if (command.expect.json !== undefined) {
    answer = parse();
    if (answer !== undefined) problems.push(...matchPattern(command.expect.json, answer));
  }
  if (command.kind === 'graphql') {
    const body = parse() as { data?: Record<string, unknown> | null; errors?: unknown[] } | undefined;
    if (body?.errors) problems.push(`GraphQL errors: ${JSON.stringify(body.errors)}`);
    for (const [field, value] of Object.entries(body?.data ?? {}))
      if (value === null) problems.push(`GraphQL field ${field} is null`);
    if (body && !body.data) problems.push('GraphQL answered no data');
  }
  return problems.map((p) => `${p}\n    answer: ${stdout.slice(0, 600)}`);
}

const bareEngine = new Docker({ socketPath: BARE_ENGINE_HOST.replace('unix://', '') });

// Removes what the examples create (by their fixed names), on the swarm-less engine.
async function removeDocObjects(): Promise<void> {
  const containers = await bareEngine.listContainers({ all: true });
  for (const c of containers.filter((c) => c.Names.some((n) => DOC_CONTAINERS.includes(n.slice(1)))))
    await bareEngine
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => undefined);
  const networks = await bareEngine.listNetworks();
  for (const n of networks.filter((n) => DOC_NETWORKS.includes(n.Name)))
    await bareEngine
      .getNetwork(n.Id)
      .remove()
      .catch(() => undefined);
}

describe('the documentation runs as written', () => {
  const services = new ServiceProcesses();
  let service: ServiceProcess;
  let port: number;
  const commandsRun: Record<string, number> = {};
  const skipped: Record<string, number> = {};

  beforeAll(async () => {
    await removeDocObjects();
    port = await freePort();
    const dir = runTempDir('docs-db-');
    service = services.start({
      PORT: String(port),
      DATABASE_PATH: join(dir, 'switchyard.sqlite'),
      ADMIN_API_KEY: ADMIN_KEY,
      DOCKER_HOST: BARE_ENGINE_HOST,
      LOG_LEVEL: 'warn',
    });
    await service.waitFor200(`http://127.0.0.1:${port}/health/ready`);
  });

  afterAll(async () => {
    await services.stopAll();
    await removeDocObjects();
    console.log(
      `doc test on ${TEST_ENGINE}b: commands run ${JSON.stringify(commandsRun)}, marked not run ${JSON.stringify(skipped)}`,
    );
  });

  it('covers every document in docs/', () => {
    const docs = readdirSync(join(ROOT, 'docs')).filter((f) => f.endsWith('.md'));
    expect(docs.map((f) => `docs/${f}`).filter((f) => !DOCUMENTS.includes(f))).toEqual([]);
  });

  it.each(DOCUMENTS)('%s: every example runs and answers what the text shows', async (doc) => {
    // Each document starts on a clean engine, so that it passes alone and one that leaves
    // something behind fails on its own.
    await removeDocObjects();
    const markdown = readFileSync(join(ROOT, doc), 'utf8');
    // Shell examples are ```sh blocks; one fenced as another shell would not be run.
    const otherShells = fencedBlocks(markdown).filter((b) => /^(bash|shell|console|zsh)$/.test(b.lang));
    expect(otherShells.map((b) => `${doc}:${b.line - 1}: fence it as \`\`\`sh`)).toEqual([]);
    const commands = docCommands(markdown, doc, { graphql: true });
    skipped[doc] = commands.filter((c) => c.skip !== undefined).length;
    const ran = await runDocument(doc, commands, port);
    commandsRun[doc] = ran.length;
    const failures = ran.flatMap((r) =>
      check(r).map((p) => `${doc}:${r.command.line} ${r.command.text.split('\n')[0]}\n  ${p}`),
    );
    expect(failures).toEqual([]);
    // Nothing the docs create outlives its document.
    const left = await bareEngine.listContainers({ all: true });
    expect(
      left.flatMap((c) => c.Names.map((n) => n.slice(1))).filter((n) => DOC_CONTAINERS.includes(n)),
    ).toEqual([]);
    const networks = await bareEngine.listNetworks();
    expect(networks.map((n) => n.Name).filter((n) => DOC_NETWORKS.includes(n))).toEqual([]);
  });
});
