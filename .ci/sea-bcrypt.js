'use strict';
// @node-rs/bcrypt inside the single executable (.ci/release puts it in place
// of the package): the package's native binding travels as the asset
// bcrypt.node. A native module loads only from a file, so it is written to a
// directory of its own under $TMPDIR, opened, and removed at once; the mapping
// stays. Only serve with basic_auth_users comes here.
const { getRawAsset } = require('node:sea');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const { join } = require('node:path');

const dir = mkdtempSync(join(tmpdir(), 'open-notify-exporter-'));
try {
  const file = join(dir, 'bcrypt.node');
  writeFileSync(file, new Uint8Array(getRawAsset('bcrypt.node')), { mode: 0o500 });
  process.dlopen(module, file);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
