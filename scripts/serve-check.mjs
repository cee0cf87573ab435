// The decisions of scripts/serve.sh (see lib/serve-state.mjs):
//   node scripts/serve-check.mjs plan         prints "<install|skip> <build|skip> <source hash>" and,
//                                             on stderr, one line saying what is skipped and why
//   node scripts/serve-check.mjs stamp HASH   records in dist/ that it was built from HASH
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildState, dependencyState, writeBuildStamp } from './lib/serve-state.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [command, argument] = process.argv.slice(2);

if (command === 'plan') {
  const deps = dependencyState(root);
  const build = buildState(root);
  const said = [
    deps.current ? `npm ci skipped: ${deps.reason}` : `npm ci needed: ${deps.reason}`,
    build.current ? `build skipped: up to date, ${build.reason}` : `build needed: ${build.reason}`,
  ];
  process.stderr.write(`[serve] ${said.join('; ')}\n`);
  process.stdout.write(
    `${deps.current ? 'skip' : 'install'} ${build.current ? 'skip' : 'build'} ${build.hash}\n`,
  );
} else if (command === 'stamp' && /^[0-9a-f]{64}$/.test(argument ?? '')) {
  writeBuildStamp(root, argument);
} else {
  process.stderr.write('usage: node scripts/serve-check.mjs plan | stamp <sha256>\n');
  process.exit(2);
}
