// Everything `--web.config.file` needs, as one module, required only by a
// serve or healthcheck given the flag: esbuild keeps a required module's
// code from running until then, and the YAML parser and bcrypt are loaded
// from node_modules only by it.
export { loadWebConfig, readConfigFile, WebConfigError, type WebConfig } from './webConfig';
export { clientOptions, createWebGuard, type WebGuard, type WebStatus } from './webSecurity';
