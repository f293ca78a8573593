// The landing page as HTML: escaped, honest about what it does not know,
// small. (test/slow/page.test.ts loads it in a real browser.)
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { emptyState } from '../../src/contract/state';
import { pageView } from '../../src/modes/serve';
import { esc, MAX_NAMES_PER_CRAFT, renderPage, type PageInput } from '../../src/outputs/page';
import { project } from '../../src/outputs/worldMap';
import type { Outcome } from '../../src/sources/collect';
import { SOURCES } from '../../src/sources/table';

const ok = <T>(data: T): Outcome<T> => ({ ok: true, data, durationSeconds: 0.05, attemptSeconds: [0.05] });
const failed: Outcome<never> = { ok: false, reason: 'HTTP 503: <b>down</b>', durationSeconds: 1, attemptSeconds: [0.3, 0.3, 0.3] };
const NOW = 1_763_900_000;

function input(outcomes: Record<string, Outcome<unknown>>): PageInput {
  return {
    view: pageView(
      { results: SOURCES.filter((s) => outcomes[s.name]).map((source) => ({ source, outcome: outcomes[source.name] })) },
      { ...emptyState(['astros', 'iss_now']), lastSuccess: { astros: NOW - 60, iss_now: NOW } },
    ),
    now: NOW,
    refreshSeconds: 15,
    telemetryPath: '/metrics',
    version: '0.1.0',
  };
}

const HOSTILE = [
  { name: '<script>alert(1)</script>', craft: 'ISS' },
  { name: 'Quote " and \' apostrophe', craft: 'ISS' },
  { name: 'Tom & Jerry', craft: '<img src=x onerror=alert(1)>' },
];

describe('landing page', () => {
  it('escapes every name and craft: no markup from the API gets through', () => {
    const html = renderPage(input({ astros: ok({ number: 3, people: HOSTILE }), iss_now: ok({ latitude: 10, longitude: 20, timestamp: NOW }) }));
    assert.doesNotMatch(html, /<script|<img|onerror=alert\(1\)>/i);
    assert.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(html.includes('Quote &quot; and &#39; apostrophe'));
    assert.ok(html.includes('Tom &amp; Jerry'));
    assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
    assert.equal(esc(`<>&"'`), '&lt;&gt;&amp;&quot;&#39;');
  });

  it('puts the marker where latitude and longitude say (equirectangular), with the API time and its age', () => {
    const html = renderPage(input({ astros: ok({ number: 0, people: [] }), iss_now: ok({ latitude: -44.4759, longitude: 120.1234, timestamp: NOW - 90 }) }));
    const { x, y } = project(-44.4759, 120.1234);
    assert.deepEqual([x, y], [300.1234, 134.4759]);
    assert.match(html, new RegExp(`<g id="iss" class="iss" data-latitude="-44.4759" data-longitude="120.1234">.*<circle class="dot" cx="${x}" cy="${y}"`));
    assert.match(html, /44\.48° S, 120\.12° E/);
    assert.match(html, /2025-11-23T12:11:50Z/);
    assert.match(html, /90 s old/);
  });

  it('no position: says so, and draws no marker (not at 0,0)', () => {
    const html = renderPage(input({ astros: ok({ number: 1, people: [{ name: 'A', craft: 'ISS' }] }), iss_now: failed }));
    assert.doesNotMatch(html, /id="iss"/);
    assert.match(html, /No ISS position: iss-now\.json gave no valid data in the last refresh \(HTTP 503: &lt;b&gt;down&lt;\/b&gt;\)/);
    assert.match(html, /<td class="down">down<\/td>/);
  });

  it('groups people by craft, and reports each endpoint', () => {
    const html = renderPage(input({ astros: ok({ number: 3, people: [{ name: 'B', craft: 'Tiangong' }, { name: 'A', craft: 'ISS' }, { name: 'C', craft: 'ISS' }] }), iss_now: ok({ latitude: 0, longitude: 0, timestamp: NOW }) }));
    assert.match(html, /<h3>ISS <span class="count">2<\/span><\/h3><ul><li>A<\/li><li>C<\/li><\/ul>.*<h3>Tiangong <span class="count">1<\/span><\/h3>/s);
    assert.match(html, /<th scope="row">astros<\/th><td class="ok">up<\/td><td>60 s ago<\/td>/);
    assert.match(html, /<meta http-equiv="refresh" content="15">/);
    assert.match(html, /<a href="\/metrics">\/metrics<\/a> · <a href="\/healthz">\/healthz<\/a>/);
  });

  it('with --cross-check, the second position too; stays under 150 KB even with 500 people', () => {
    const people = Array.from({ length: 500 }, (_, i) => ({ name: `Astronaut ${i} ${'x'.repeat(40)}`, craft: `Craft ${i % 7}` }));
    const html = renderPage(
      input({
        astros: ok({ number: 500, people }),
        iss_now: ok({ latitude: 1, longitude: 2, timestamp: NOW }),
        wheretheiss: ok({ latitude: 1.05, longitude: 2.02, altitudeKm: 420, velocityKmh: 27600, sunlit: false, timestamp: NOW, errorMeters: 5983.2 }),
      }),
    );
    assert.match(html, /<g id="reference" class="reference" data-latitude="1.05"/);
    assert.match(html, /, 6.0 km from Open Notify's for the same second; 420 km up, eclipsed/);
    assert.ok(Buffer.byteLength(html) < 150_000, `${Buffer.byteLength(html)} bytes`);
  });

  it('lists at most MAX_NAMES_PER_CRAFT names per craft, then how many more; the count stays exact', () => {
    const people = [
      ...Array.from({ length: 45_000 }, (_, i) => ({ name: `Person ${i}`, craft: 'ISS' })),
      { name: 'Li', craft: 'Tiangong' },
    ];
    const html = renderPage(input({ astros: ok({ number: people.length, people }), iss_now: ok({ latitude: 0, longitude: 0, timestamp: NOW }) }));
    const iss = /<h3>ISS <span class="count">(\d+)<\/span><\/h3><ul>(.*?)<\/ul>/s.exec(html);
    assert.ok(iss);
    assert.equal(iss[1], '45000');
    assert.equal((iss[2].match(/<li>/g) ?? []).length, MAX_NAMES_PER_CRAFT);
    assert.ok(iss[2].startsWith('<li>Person 0</li><li>Person 1</li>'), 'the first ones, in the API\'s order');
    assert.match(iss[2], new RegExp(`<li class="more">… and ${45_000 - MAX_NAMES_PER_CRAFT} more</li>$`));
    assert.match(html, /<h3>Tiangong <span class="count">1<\/span><\/h3><ul><li>Li<\/li><\/ul>/);
    assert.match(html, /<span id="people">45001<\/span>/);
    assert.ok(Buffer.byteLength(html) < 150_000, `${Buffer.byteLength(html)} bytes`);
  });
});
