/**
 * `npm start` and `npm run server`: the lab's TypeScript is bundled once into dist/server/ (as
 * the page is built into dist/web/) and run by plain node, built again whenever a source of it
 * is newer than its bundle. Under tsx the lab took more than twice as long to start and twice
 * the memory (tsx's launcher process, its loader in the lab's); see docs/bench.md.
 *
 *   node server/launch.mjs <cli | standalone> [flags...]   run one (building it if needed)
 *   node server/launch.mjs build                            build both, nothing else
 *
 * Plain JavaScript, because it must run before anything is compiled.
 */
import { existsSync, readFileSync, renameSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const OUT = path.join(ROOT, 'dist', 'server');
const ENTRIES = { cli: 'server/cli.ts', standalone: 'server/standalone.ts' };

const bundleOf = (name) => path.join(OUT, `${name}.mjs`);
const inputsOf = (name) => path.join(OUT, `${name}.inputs.json`);

/** Fresh when the bundle exists and none of the files it was built from is newer. */
function fresh(name) {
  if (!existsSync(bundleOf(name)) || !existsSync(inputsOf(name))) return false;
  const built = statSync(bundleOf(name)).mtimeMs;
  try {
    const inputs = JSON.parse(readFileSync(inputsOf(name), 'utf8'));
    return inputs.every((file) => statSync(path.join(ROOT, file)).mtimeMs <= built);
  } catch {
    return false; // an input was deleted or renamed: build again
  }
}

async function build(name) {
  const esbuild = await import('esbuild');
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [ENTRIES[name]],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The libraries stay in node_modules, loaded as they are, exactly as under tsx.
    packages: 'external',
    outfile: bundleOf(name),
    sourcemap: 'linked',
    metafile: true,
    write: false,
    logLevel: 'silent',
  });
  mkdirSync(OUT, { recursive: true });
  // Written beside and renamed, so that a lab starting at the same moment never runs half a file.
  for (const file of result.outputFiles) {
    const temp = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temp, file.contents);
    renameSync(temp, file.path);
  }
  const inputs = Object.keys(result.metafile.inputs).filter((f) => !f.startsWith('node_modules'));
  writeFileSync(inputsOf(name), JSON.stringify(inputs));
  // esbuild's helper process would otherwise live as long as the lab.
  await esbuild.stop();
}

const [what, ...rest] = process.argv.slice(2);
try {
  if (what === 'build') {
    for (const name of Object.keys(ENTRIES)) await build(name);
  } else if (what in ENTRIES) {
    if (!fresh(what)) await build(what);
  } else {
    console.error('fanout-lab: use "node server/launch.mjs cli|standalone|build [flags]".');
    process.exit(2);
  }
} catch (err) {
  const first = err.errors?.[0];
  const where = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
  console.error(
    `fanout-lab: the server did not build: ${first?.text ?? err.message}${where}. Fix it, or run "npx tsx ${ENTRIES[what] ?? 'server/cli.ts'}" to see more.`,
  );
  process.exit(1);
}
if (what !== 'build') {
  // Stack traces point at the TypeScript, as they did under tsx.
  process.setSourceMapsEnabled(true);
  // The bundle reads its flags from process.argv.slice(2): drop the entry's name.
  process.argv = [process.argv[0], bundleOf(what), ...rest];
  await import(pathToFileURL(bundleOf(what)).href);
}
