// The landing page in a real browser (Debian's chromium, headless, driven by
// playwright-core): served by `serve` against the fake API, it must load
// with no console error and no request but itself, draw the ISS where the
// API put it, show hostile names as text, and look like something.
// UPDATE_SCREENSHOT=1 rewrites test/slow/landing.png (shown in README).
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { project } from '../../src/outputs/worldMap';
import { astrosBody, issNowBody, type FakeApi } from '../support/fakeOpenNotify';
import { requireBinary, ROOT, startCli, useFakeApi } from '../support/helpers';
import { waitFor } from '../support/peers';

const fake = useFakeApi();

const PEOPLE = [
  { name: 'Oleg Kononenko', craft: 'ISS' },
  { name: 'Tracy Caldwell Dyson', craft: 'ISS' },
  { name: '<script>alert(1)</script>', craft: 'ISS' },
  { name: 'Li Guangsu', craft: 'Tiangong' },
  { name: 'Ye "Tom" & <img src=x onerror=alert(1)>', craft: 'Tiangong' },
];

// As the machine's probe starts it: no sandbox as root, and none of the background connections a closed network refuses.
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('landing page in a browser', () => {
  it('loads with no console error and no other request, the marker where the API put it, names as text, not blank', async (t) => {
    const chromium = requireBinary(t, 'chromium', 'chromium');
    if (!chromium) return;
    const api: FakeApi = fake();
    api.set('/astros.json', { kind: 'json', body: astrosBody(PEOPLE) });
    api.set('/iss-now.json', { kind: 'json', body: issNowBody('51.6466', '-0.1245') });
    const cli = startCli(['serve', '--api-url', api.url, '--web.listen-address', '127.0.0.1:0', '--refresh', '1h'], { killAfterMs: 60_000 });
    t.after(() => {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    });
    const port = await waitFor('serve to listen', () => /listen=127\.0\.0\.1:(\d+)/.exec(cli.stderr())?.[1], 10_000);
    await waitFor('the first refresh', () => (cli.stderr().includes('refresh finished') ? true : undefined), 10_000);
    const url = `http://127.0.0.1:${port}/`;

    const { chromium: pw } = await import('playwright-core');
    const browser: Browser = await pw.launch({ executablePath: chromium, args: CHROMIUM_ARGS, timeout: 30_000 });
    t.after(() => browser.close());
    const page = await browser.newPage({ viewport: { width: 1000, height: 860 } });
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('request', (r) => requests.push(r.url()));
    const response = await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
    assert.equal(response?.status(), 200);
    assert.match(response.headers()['content-security-policy'], /^default-src 'none'; style-src 'unsafe-inline'; img-src data:/);

    assert.deepEqual(problems, [], 'no console errors or warnings');
    assert.deepEqual(requests, [url], 'no request besides the page itself');
    assert.equal(await page.locator('script').count(), 0);
    assert.equal(await page.locator('img').count(), 0);

    // The marker, read back from the DOM, is where the fake API put the ISS.
    const { x, y } = project(51.6466, -0.1245);
    const dot = page.locator('#iss circle.dot');
    assert.deepEqual([Number(await dot.getAttribute('cx')), Number(await dot.getAttribute('cy'))], [x, y]);
    assert.equal(await page.locator('#iss').getAttribute('data-latitude'), '51.6466');
    // ...and on screen it is where the map's projection says: London.
    const map = (await page.locator('figure svg').boundingBox())!;
    const box = (await dot.boundingBox())!;
    assert.ok(Math.abs(box.x + box.width / 2 - (map.x + (x / 360) * map.width)) < 2);
    assert.ok(Math.abs(box.y + box.height / 2 - (map.y + (y / 180) * map.height)) < 2);

    const names = await page.locator('.craft li').allTextContents();
    assert.deepEqual(names.sort(), PEOPLE.map((p) => p.name).sort(), 'hostile names shown as text');
    assert.equal(await page.locator('#people').textContent(), '5');
    assert.deepEqual(await Promise.all((await page.locator('nav a').all()).map((a) => a.getAttribute('href'))), ['/metrics', '/healthz']);

    const png = await page.screenshot({ fullPage: false });
    // Not blank: the map, the text and the marker make many distinct colours.
    // Not blank: the map, the text and the marker make many distinct colours
    // (counted in the browser, which decodes PNG; the test has no DOM types).
    const colours = await (await browser.newPage()).evaluate<number>(`(async () => {
      const img = new Image();
      img.src = 'data:image/png;base64,${png.toString('base64')}';
      await img.decode();
      const canvas = document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const px = ctx.getImageData(0, 0, img.width, img.height).data;
      const seen = new Set();
      for (let i = 0; i < px.length; i += 28) seen.add((px[i] << 16) | (px[i + 1] << 8) | px[i + 2]);
      return seen.size;
    })()`);
    process.stderr.write(`# landing page: ${(await page.content()).length} characters, screenshot ${png.length} bytes, ${colours} colours\n`);
    assert.ok(colours > 50, `only ${colours} colours: a blank page?`);
    if (process.env.UPDATE_SCREENSHOT === '1') writeFileSync(join(ROOT, 'test', 'slow', 'landing.png'), png);
  });
});
