'use strict';
// The single executable's entry (.ci/release). The bundle is the asset
// main.js, compiled here with the asset main.cache: V8's code cache taken
// after a real one-shot, so the functions a one-shot runs come compiled.
// Node's own SEA code cache is taken before anything runs and holds only the
// top level: with it a one-shot took 1.10x the npm install's wall on the same
// Node.js; with this, 0.81x (npm run bench, docs/performance.md). V8 refuses a
// cache made under other flags (--jitless, say) and compiles, silently.
//
// Not in the executable, .ci/release runs this file with SEA_TRAIN_SOURCE
// (the bundle) and SEA_TRAIN_CACHE (where to write the cache at exit).
const sea = require('node:sea');
const { Script } = require('node:vm');

const inSea = sea.isSea();
const source = inSea ? sea.getAsset('main.js', 'utf8') : require('node:fs').readFileSync(process.env.SEA_TRAIN_SOURCE, 'utf8');
const script = new Script(`(function (require, module, exports, __filename, __dirname) {${source}\n})`, {
  filename: 'open-notify-exporter.js',
  cachedData: inSea ? Buffer.from(sea.getAsset('main.cache')) : undefined,
});
if (!inSea) process.on('exit', () => require('node:fs').writeFileSync(process.env.SEA_TRAIN_CACHE, script.createCachedData()));
// NODE_DEBUG=open-notify-exporter says whether V8 took the cache (test/slow/release.test.ts asks).
else require('node:util').debuglog('open-notify-exporter')(`code cache ${script.cachedDataRejected ? 'rejected' : 'accepted'}`);
script.runInThisContext()(require, module, module.exports, __filename, __dirname);
