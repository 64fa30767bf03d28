/**
 * `alphalab models list|pull|show|delete|create|ps|unload`: model operations
 * on an Ollama server (lib/llm/models.ts). `pull` shows a progress bar per
 * layer; `create` takes Ollama's JSON form (a file with model, from, system,
 * messages, parameters, template, adapters, quantize).
 */
import { readFileSync } from 'node:fs';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { OllamaModelOps, type CreateSpec } from '../lib/llm/index.js';

interface ModelFlags {
  ollamaUrl?: string;
  json?: boolean;
}

const ops = (f: ModelFlags) => new OllamaModelOps({ host: f.ollamaUrl ?? process.env.OLLAMA_HOST ?? 'http://127.0.0.1:11434' });
const gb = (b: number) => `${(b / 1e9).toFixed(1)} GB`;

/** Registers `models` on the alphalab program. */
export function registerModels(program: Command): void {
  const m = program.command('models').description('model operations on an Ollama server: list, pull, show, delete, create, ps, unload');
  const opt = (c: Command) => c.option('--ollama-url <url>', 'Ollama server (default $OLLAMA_HOST)').option('--json', 'print JSON');
  opt(m.command('list').description('models the server has')).action(async (f: ModelFlags) => {
    const list = await ops(f).list();
    if (f.json) console.log(JSON.stringify(list));
    else for (const x of list) console.log(`${x.name.padEnd(32)} ${gb(x.sizeBytes).padStart(8)}  ${x.parameterSize} ${x.quantization}`);
  });
  opt(m.command('pull <model>').description('download a model, with a progress bar')).action(async (model: string, f: ModelFlags) => {
    const bar = new SingleBar({ format: '{status} [{bar}] {percentage}% {value}/{total} bytes', hideCursor: true }, Presets.shades_classic);
    let digest = '';
    let last = '';
    await ops(f).pull(model, (p) => {
      if (p.total && p.digest) {
        if (p.digest !== digest) {
          if (digest) bar.stop();
          digest = p.digest;
          bar.start(p.total, p.completed ?? 0, { status: p.status });
        } else bar.update(p.completed ?? 0, { status: p.status });
      } else if (p.status !== last) {
        if (digest) {
          bar.stop();
          digest = '';
        }
        process.stderr.write(`${p.status}\n`);
      }
      last = p.status;
    });
    if (digest) bar.stop();
    console.log(f.json ? JSON.stringify({ pulled: model }) : `pulled ${model}`);
  });
  opt(m.command('show <model>').description('parameters, template, system prompt and messages of a model')).action(async (model: string, f: ModelFlags) => {
    const s = await ops(f).show(model);
    console.log(f.json ? JSON.stringify(s) : `parameters:\n${s.parameters}\nsystem: ${s.system}\nmessages: ${s.messages.length}\ntemplate:\n${s.template}`);
  });
  opt(m.command('delete <model>').description('delete a model')).action(async (model: string, f: ModelFlags) => {
    await ops(f).delete(model);
    console.log(f.json ? JSON.stringify({ deleted: model }) : `deleted ${model}`);
  });
  opt(m.command('create <file>').description('create a model from a JSON spec (Ollama >= 0.5.5 form: model, from, system, messages, parameters, template, adapters, quantize)')).action(async (file: string, f: ModelFlags) => {
    let spec: CreateSpec;
    try {
      spec = JSON.parse(readFileSync(file, 'utf8')) as CreateSpec;
    } catch (err) {
      throw new Error(`${file}: ${(err as Error).message}`);
    }
    if ((spec as { modelfile?: unknown }).modelfile !== undefined) throw new Error(`${file}: "modelfile" is the old form, rejected by Ollama >= 0.5.5 ("neither 'from' or 'files' was specified"); write "from", "system", "messages", "parameters" instead`);
    await ops(f).create(spec, (p) => process.stderr.write(`${p.status}\n`));
    console.log(f.json ? JSON.stringify({ created: spec.model }) : `created ${spec.model}`);
  });
  opt(m.command('ps').description('loaded models and their share in VRAM (partial offload = degraded)')).action(async (f: ModelFlags) => {
    const ps = await ops(f).ps();
    if (f.json) console.log(JSON.stringify(ps));
    else if (!ps.length) console.log('no model loaded');
    else for (const x of ps) console.log(`${x.name.padEnd(32)} ${gb(x.sizeBytes).padStart(8)}  ${Math.round(100 * x.vramFraction)}% VRAM${x.partialOffload ? '  (partial CPU offload: degraded)' : ''}  until ${x.expiresAt}`);
  });
  opt(m.command('unload <model>').description('unload a model now (keep_alive 0)')).action(async (model: string, f: ModelFlags) => {
    await ops(f).unload(model);
    console.log(f.json ? JSON.stringify({ unloaded: model }) : `unloaded ${model}`);
  });
}
