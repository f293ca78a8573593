// The benchmark's floor: the irreducible work of a one-shot run with no
// libraries at all. Two concurrent GETs over node:http, the exposition text
// built by hand, temp file + fsync + rename.
// Usage: node floor.js BASE_URL OUTPUT [--write-file-atomic]
// With --write-file-atomic (D′, the fair floor) the write is done by
// write-file-atomic, which the project requires us to use: the limit of what
// our own dependencies allow.
import { closeSync, fsyncSync, openSync, renameSync, writeSync } from 'node:fs';
import { get } from 'node:http';

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

const esc = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

async function floor(base: string, output: string): Promise<void> {
  const [astros, iss] = await Promise.all([fetchJson(`${base}/astros.json`), fetchJson(`${base}/iss-now.json`)]);
  const people = astros.people as { name: string; craft: string }[];
  const pos = iss.iss_position as { latitude: string; longitude: string };
  let text = '# HELP open_notify_people_in_space Number of people in space.\n# TYPE open_notify_people_in_space gauge\n';
  text += `open_notify_people_in_space ${String(astros.number)}\n`;
  text += '# HELP open_notify_astronaut_info One series per person.\n# TYPE open_notify_astronaut_info gauge\n';
  for (const p of people) text += `open_notify_astronaut_info{name="${esc(p.name)}",craft="${esc(p.craft)}"} 1\n`;
  text += `# HELP open_notify_iss_latitude_degrees ISS latitude.\n# TYPE open_notify_iss_latitude_degrees gauge\nopen_notify_iss_latitude_degrees ${Number(pos.latitude)}\n`;
  text += `# HELP open_notify_iss_longitude_degrees ISS longitude.\n# TYPE open_notify_iss_longitude_degrees gauge\nopen_notify_iss_longitude_degrees ${Number(pos.longitude)}\n`;
  if (process.argv[4] === '--write-file-atomic') {
    const writeFileAtomic = require('write-file-atomic') as typeof import('write-file-atomic');
    await writeFileAtomic(output, text, { mode: 0o644, fsync: true });
    return;
  }
  const tmp = `${output}.${process.pid}`;
  const fd = openSync(tmp, 'w', 0o644);
  writeSync(fd, text);
  fsyncSync(fd);
  closeSync(fd);
  renameSync(tmp, output);
}

void floor(process.argv[2], process.argv[3]);
