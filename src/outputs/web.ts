// Everything `--web.config.file` needs, as one module: built to its own
// file beside the bundle (dist/web.js), so the code of the YAML checks, TLS
// policy and basic auth is read only by a serve or healthcheck given the flag.
export { loadWebConfig, WebConfigError, type WebConfig } from './webConfig';
export { createWebGuard, type WebGuard, type WebStatus } from './webSecurity';
