// The CLI from tsc's output, one module per file and no code cache: what
// the bundle and the cache are measured against (npm run bench).
// Usage: node unbundled.js [CLI arguments]
import { main } from '../../src/main';

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
