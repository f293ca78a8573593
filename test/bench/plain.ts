// The start-up yardstick: a plain script doing a one-shot's job the way a
// tutorial would, with the same libraries (commander for the flags,
// prom-client's Registry and Gauges, write-file-atomic), nothing bundled.
// Usage: node plain.js --api-url BASE_URL -o OUTPUT
// Self-contained, as floor.ts is: a baseline loads only what it measures.
import { get } from 'node:http';
import { Command } from 'commander';
import { Gauge, Registry } from 'prom-client';
import writeFileAtomic = require('write-file-atomic');

function fetchJson(url: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>));
      res.on('error', reject);
    }).on('error', reject);
  });
}

async function main(): Promise<void> {
  const o = new Command().requiredOption('--api-url <url>').requiredOption('-o, --output <file>').parse().opts<{ apiUrl: string; output: string }>();
  const [astros, iss] = await Promise.all([fetchJson(`${o.apiUrl}/astros.json`), fetchJson(`${o.apiUrl}/iss-now.json`)]);
  const registry = new Registry();
  new Gauge({ name: 'open_notify_people_in_space', help: 'Number of people in space.', registers: [registry] }).set(Number(astros.number));
  const info = new Gauge({ name: 'open_notify_astronaut_info', help: 'One series per person.', labelNames: ['name', 'craft'], registers: [registry] });
  for (const p of astros.people as { name: string; craft: string }[]) info.set({ name: p.name, craft: p.craft }, 1);
  const pos = iss.iss_position as { latitude: string; longitude: string };
  new Gauge({ name: 'open_notify_iss_latitude_degrees', help: 'ISS latitude.', registers: [registry] }).set(Number(pos.latitude));
  new Gauge({ name: 'open_notify_iss_longitude_degrees', help: 'ISS longitude.', registers: [registry] }).set(Number(pos.longitude));
  await writeFileAtomic(o.output, await registry.metrics(), { mode: 0o644 });
}

void main();
