// Selectors as operators type them for --selector, and the canonical form each becomes.
// The consumers test runs every query built with each against a real Prometheus.
// [typed, canonical form]
export const SELECTORS: [string, string][] = [
  ['', ''],
  ['job="node"', 'job="node"'],
  ["job='node'", 'job="node"'],
  ['job=`no\\de`', 'job="no\\\\de"'],
  [' job = "a" , env =~ "prod|lab" , ', 'job="a",env=~"prod|lab"'],
  ['{job!="x",env!~"dev.*"}', 'job!="x",env!~"dev.*"'],
  ['job="a\\"b"', 'job="a\\"b"'],
  ["job='it\\'s'", 'job="it\'s"'],
  ['job="\u00e9 ü"', 'job="\u00e9 ü"'],
  ['env=~"(?i)prod"', 'env=~"(?i)prod"'],
  ['env=~"\\\\d+"', 'env=~"\\\\d+"'],
  ['by="x",and="y",sum="z"', 'by="x",and="y",sum="z"'],
];
