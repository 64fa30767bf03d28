/**
 * Writes the tiny random-weight llama GGUF model used by the tests (see
 * test/helpers/tiny-gguf.ts), to try the in-process provider end to end with
 * no download:
 *
 *   npm run tiny-gguf -- /tmp/tiny.gguf
 *   npm run research -- -p llama-cpp --model /tmp/tiny.gguf -n 3 --json
 *
 * Its answers are schema-valid noise: it exercises the inference path, not ideas.
 */
import { writeTinyLlamaGguf } from '../test/helpers/tiny-gguf.js';

const out = process.argv[2];
if (!out) {
  console.error('usage: npm run tiny-gguf -- OUT.gguf [seed]');
  process.exit(1);
}
const info = writeTinyLlamaGguf(out, { seed: process.argv[3] ? Number(process.argv[3]) : 1 });
console.log(JSON.stringify(info));
