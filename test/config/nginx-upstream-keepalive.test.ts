import { NginxConfig, NginxRouterConfig, NginxSplitConfig } from '../../src';

/** The `upstream` blocks of an nginx config, each as its lines without indentation. */
function upstreams(conf: string): string[][] {
  return [...conf.matchAll(/^ {4}upstream \S+ \{\n([\s\S]*?)\n {4}\}$/gm)].map((m) => m[1].split('\n').map((l) => l.trim()));
}

describe('every nginx upstream that keeps idle connections closes them first (4 s, before Node and varnish at 5 s)', () => {
  const configs: Array<[string, string]> = [
    ['the TLS terminator', NginxConfig.tlsProxy({ upstreamHost: '127.0.0.1', upstreamPort: 8080 })],
    ['the sharding router (fail)', NginxRouterConfig.render({ shards: [{ host: 'a', port: 80 }, { host: 'b', port: 80 }] })],
    ['the request splitter', NginxSplitConfig.render({ backends: [{ name: 'web', host: 'web', port: 80, weight: 9 }, { name: 'exp', host: 'exp', port: 80, weight: 1 }] })],
  ];
  test.each(configs)('%s', (_what, conf) => {
    const blocks = upstreams(conf);
    expect(blocks.length).toBeGreaterThan(0);
    for (const lines of blocks) {
      expect(lines).toContain('keepalive 16;');
      // the idle timeout is inside the same block, after the pool size
      expect(lines.indexOf('keepalive_timeout 4s;')).toBeGreaterThan(lines.indexOf('keepalive 16;'));
    }
  });
});
