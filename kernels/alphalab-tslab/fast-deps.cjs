/**
 * Preloaded into the tslab kernel (kernels/alphalab-tslab/kernel.json: `node -r ./kernels/alphalab-tslab/fast-deps.cjs`).
 * tslab type-checks and emits every project file a cell imports with the full
 * checker (declarations included) before running the cell: 20-90 s for a cell
 * importing lib/agent or lib/mine on 2 cores. The project's own files are
 * type-checked by `npm run typecheck` and run under tsx (esbuild) everywhere
 * else, i.e. they are written to be transpiled file by file. So in the kernel:
 * - diagnostics are computed for the cell only (errors in a cell still show;
 *   errors inside lib/ are the typecheck's job);
 * - an imported project file is emitted with `ts.transpileModule` (no checker),
 *   as tsx does, instead of the full program emit.
 * - `ts.transpileModule` results (each project file is transpiled twice: to ES
 *   modules, then by tslab to CommonJS) are cached on disk by content hash
 *   (node_modules/.cache/alphalab-tslab), so the kernels of a notebook run share them.
 * The cell itself (its declarations carried to the next cell, top-level await,
 * last-expression display) goes through tslab unchanged.
 * ALPHALAB_TSLAB_FULL_CHECK=1 turns this off (tslab's own behaviour).
 */
'use strict';
const Module = require('module');
const path = require('path');
const fs = require('fs');
const crypto = require('crypto');

if (process.env.ALPHALAB_TSLAB_FULL_CHECK !== '1') {
  const origLoad = Module._load;
  let patched = null;
  Module._load = function (request, parent, isMain) {
    const mod = origLoad.apply(this, arguments);
    if (request !== '@tslab/typescript-for-tslab') return mod;
    if (!patched) patched = patch(mod);
    return patched;
  };
}

/** A view of the TypeScript module with the two functions replaced. */
function patch(ts) {
  const isCell = (fileName) => /(^|\/)__tslab__\.(ts|js)$/.test(fileName) || /(^|\/)__prev__\.d\.ts$/.test(fileName);
  const cacheDir = path.join(process.cwd(), 'node_modules', '.cache', 'alphalab-tslab');
  const transpileModule = (input, options) => {
    // only plain transpiles are cached (no diagnostics or source maps are asked for by tslab)
    if (options.reportDiagnostics || options.transformers || (options.compilerOptions && (options.compilerOptions.sourceMap || options.compilerOptions.inlineSourceMap))) return ts.transpileModule(input, options);
    const key = crypto.createHash('sha256').update(JSON.stringify([ts.version, options.fileName || '', options.compilerOptions || {}, input])).digest('hex');
    const file = path.join(cacheDir, `${key}.js`);
    try {
      return { outputText: fs.readFileSync(file, 'utf8'), diagnostics: [] };
    } catch {
      const out = ts.transpileModule(input, options);
      try {
        fs.mkdirSync(cacheDir, { recursive: true });
        const tmp = `${file}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, out.outputText);
        fs.renameSync(tmp, file);
      } catch {
        // a read-only node_modules only loses the cache
      }
      return out;
    }
  };
  const overrides = {
    transpileModule,
    getPreEmitDiagnosticsOfFiles(program, files) {
      return ts.getPreEmitDiagnosticsOfFiles(program, files.filter((f) => isCell(f.fileName)));
    },
    createWatchProgram(host) {
      const after = host.afterProgramCreate;
      host.afterProgramCreate = function (builder) {
        const emit = builder.emit.bind(builder);
        builder.emit = function (sourceFile, writeFile, cancellationToken, emitOnlyDts, transformers) {
          if (!sourceFile || isCell(sourceFile.fileName) || !/\.(ts|mts|cts)$/.test(sourceFile.fileName) || sourceFile.isDeclarationFile) {
            return emit(sourceFile, writeFile, cancellationToken, emitOnlyDts, transformers);
          }
          const options = builder.getProgram().getCompilerOptions();
          const out = transpileModule(sourceFile.text, {
            fileName: sourceFile.fileName,
            compilerOptions: { module: options.module, target: options.target, esModuleInterop: true, newLine: options.newLine, noImplicitUseStrict: true, experimentalDecorators: options.experimentalDecorators, jsx: options.jsx },
          });
          const root = options.rootDir || process.cwd();
          const jsPath = path.resolve(options.outDir, path.relative(root, sourceFile.fileName)).replace(/\.(ts|mts|cts)$/, '.js');
          writeFile(jsPath, out.outputText, false, undefined, [sourceFile]);
          return { emitSkipped: false, diagnostics: [] };
        };
        if (after) after.call(this, builder);
      };
      return ts.createWatchProgram(host);
    },
  };
  // a copy of the module's own properties (tslab reads them through __importStar's bindings), with the overrides
  const descriptors = Object.getOwnPropertyDescriptors(ts);
  for (const d of Object.values(descriptors)) d.configurable = true;
  const view = Object.defineProperties({}, descriptors);
  for (const [name, value] of Object.entries(overrides)) Object.defineProperty(view, name, { value, enumerable: true, configurable: true, writable: true });
  return view;
}
