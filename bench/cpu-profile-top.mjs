// Summarises a V8 .cpuprofile (node --cpu-prof, e.g. from BENCH_CPU_PROF=DIR npm run bench:read-model):
// self time (busy time, idle left out) by function and by package or source folder, the largest first.
// Usage: node bench/cpu-profile-top.mjs FILE.cpuprofile [rows, default 25]
import { readFileSync } from 'node:fs';

const [file, rowsArg] = process.argv.slice(2);
if (!file) throw new Error('usage: node bench/cpu-profile-top.mjs FILE.cpuprofile [rows]');
const rows = Number(rowsArg ?? 25);
const profile = JSON.parse(readFileSync(file, 'utf8'));

// Self time per node: the sampling intervals attributed to the node each sample landed in.
const selfUs = new Map();
for (let k = 0; k < profile.samples.length; k++) {
  const id = profile.samples[k];
  selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[k] ?? 0));
}
// Percentages are of the busy time: (idle) is left out.
const idleIds = new Set(profile.nodes.filter((n) => n.callFrame.functionName === '(idle)').map((n) => n.id));
const sampled = [...selfUs.values()].reduce((a, b) => a + b, 0);
const total = [...selfUs].filter(([id]) => !idleIds.has(id)).reduce((a, [, us]) => a + us, 0);

// Where code lives: the package under node_modules, dist/<folder> for the service, node: for Node.
function place(url) {
  if (!url) return '(native / V8)';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0].startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  }
  const dist = url.indexOf('/dist/');
  if (dist >= 0)
    return `dist/${
      url
        .slice(dist + '/dist/'.length)
        .split('/')
        .slice(0, -1)
        .join('/') || '.'
    }`;
  return url.startsWith('node:') ? 'node:' : url;
}

const byFunction = new Map();
const byPlace = new Map();
for (const node of profile.nodes) {
  const us = selfUs.get(node.id) ?? 0;
  if (us === 0 || idleIds.has(node.id)) continue;
  const { functionName, url, lineNumber } = node.callFrame;
  const fn = `${functionName || '(anonymous)'} ${url ? `${url.split('/').slice(-2).join('/')}:${lineNumber + 1}` : ''}`;
  byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
  byPlace.set(place(url), (byPlace.get(place(url)) ?? 0) + us);
}

const show = (title, map) => {
  console.log(`\n${title}`);
  for (const [name, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows))
    console.log(
      `${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`,
    );
};
console.log(`${file}: ${(sampled / 1e6).toFixed(1)} s sampled, ${(total / 1e6).toFixed(1)} s busy`);
show('self time by package or folder', byPlace);
show('self time by function', byFunction);
