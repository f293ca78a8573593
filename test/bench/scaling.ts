// npm run bench's scaling section, the in-process part: the landing page's
// render time for N people, run under the flags the units give serve.
//   node --max-semi-space-size=1 --jitless dist/test/bench/scaling.js <people> <crafts>
import { emptyState } from '../../src/contract/state';
import { pageView } from '../../src/modes/serve';
import { renderPage } from '../../src/outputs/page';
import { astros } from '../../src/sources/astros';
import { issNow } from '../../src/sources/issNow';

export function people(n: number, crafts: number): { name: string; craft: string }[] {
  return Array.from({ length: n }, (_, i) => ({ name: `Astronaut Number ${i}`, craft: crafts === 1 ? 'ISS' : `Craft ${i % crafts}` }));
}

if (require.main === module) {
  const [n, crafts] = process.argv.slice(2).map(Number);
  const list = people(n, crafts);
  const ok = <T>(data: T) => ({ ok: true as const, data, durationSeconds: 0.1, attemptSeconds: [0.1] });
  const now = Math.floor(Date.now() / 1000);
  const input = {
    view: pageView({ results: [{ source: astros, outcome: ok({ number: n, people: list }) }, { source: issNow, outcome: ok({ latitude: 1, longitude: 2, timestamp: now }) }] }, emptyState(['astros', 'iss_now'])),
    now,
    refreshSeconds: 15,
    telemetryPath: '/metrics',
    version: 'bench',
  };
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    bytes = renderPage(input).length;
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({ page_ms: times[3], page_bytes: bytes }));
}
