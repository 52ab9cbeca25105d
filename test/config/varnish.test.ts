import { Duration, Size } from 'cdk8s';
import { VarnishConfig } from '../../src';

function lines(vcl: string): string[] {
  return vcl.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
}

describe('VarnishConfig.vcl', () => {
  const vcl = () => VarnishConfig.vcl({ backendHost: 'dictionary', backendPort: 8080, probePath: '/readyz' });

  test('one backend (the app Service) probed on its readiness path, default TTL and grace, X-Cache', () => {
    const text = vcl();
    expect(text).toMatchSnapshot();
    const l = lines(text);
    expect(l[0]).toBe('vcl 4.1;');
    // Exactly one backend, by the Service name, with the probe attached.
    expect(l.filter((x) => x.startsWith('backend '))).toEqual(['backend app {']);
    expect(l).toEqual(expect.arrayContaining([
      '.host = "dictionary";', '.port = "8080";', '.probe = readiness;', '.first_byte_timeout = 60s;',
      '.url = "/readyz";', '.expected_response = 200;', '.interval = 5s;', '.timeout = 2s;', '.window = 5;', '.threshold = 3;',
      'set beresp.ttl = 120s;', 'set beresp.grace = 3600s;',
      'set resp.http.X-Cache = "HIT";', 'set resp.http.X-Cache = "MISS";',
    ]));
    // The default TTL applies only to cacheable responses without caching headers.
    expect(text).toContain('if (beresp.ttl > 0s && !beresp.http.Cache-Control && !beresp.http.Expires) {');
  });

  test('is deterministic', () => {
    expect(vcl()).toBe(vcl());
  });

  test('TTL, grace, probe timing and sub-second durations', () => {
    const l = lines(VarnishConfig.vcl({
      backendHost: 'web.shop.svc.cluster.local',
      backendPort: 80,
      probePath: '/healthz?deep=1',
      ttl: Duration.seconds(30),
      grace: Duration.millis(0),
      probeInterval: Duration.millis(1500),
      probeTimeout: Duration.millis(500),
      probeWindow: 8,
      probeThreshold: 8,
      firstByteTimeout: Duration.seconds(5),
    }));
    expect(l).toEqual(expect.arrayContaining([
      '.host = "web.shop.svc.cluster.local";', '.port = "80";', '.url = "/healthz?deep=1";', '.interval = 1500ms;', '.timeout = 500ms;',
      '.window = 8;', '.threshold = 8;', '.first_byte_timeout = 5s;', 'set beresp.ttl = 30s;', 'set beresp.grace = 0s;',
    ]));
  });

  test('healthPath: varnish answers it itself (synth 200), before the built-in vcl_recv; none by default', () => {
    expect(vcl()).not.toContain('vcl_recv');
    const text = VarnishConfig.vcl({ backendHost: 'dictionary', backendPort: 8080, probePath: '/readyz', healthPath: VarnishConfig.CACHE_TIER_HEALTH_PATH });
    expect(text).toContain([
      'sub vcl_recv {',
      '    # The tier\'s own readiness: answered here, never passed to the backend or cached.',
      '    if (req.url == "/healthz-cache") {',
      '        return (synth(200, "OK"));',
      '    }',
      '}',
    ].join('\n'));
    // only that: the rest of the VCL is the same
    expect(text.replace(/sub vcl_recv \{[\s\S]*?\n\}\n\n/, '')).toBe(vcl());
  });

  test('command: foreground, the mounted VCL, one HTTP listener, malloc storage, the work dir in the emptyDir', () => {
    expect(VarnishConfig.command({ port: 6081, cacheSize: Size.mebibytes(512) })).toEqual([
      'varnishd', '-F', '-f', '/etc/varnish/vcl/default.vcl', '-a', 'http=:6081,HTTP', '-s', 'malloc,512m', '-n', '/var/lib/varnish/varnishd',
    ]);
    expect(() => VarnishConfig.command({ port: 80, cacheSize: Size.mebibytes(512) })).toThrow("VarnishConfig.command: 'port' must be an integer from 1024 to 65535, got 80");
  });

  test('mallocStorage is whole MiB', () => {
    expect(VarnishConfig.mallocStorage(Size.mebibytes(256))).toBe('malloc,256m');
    expect(VarnishConfig.mallocStorage(Size.gibibytes(2))).toBe('malloc,2048m');
    expect(() => VarnishConfig.mallocStorage(Size.kibibytes(1536))).toThrow("VarnishConfig.mallocStorage: 'size' must be a whole number of MiB from 1 to 1048576, got '1.5Mi'");
  });

  test.each([
    [{ backendHost: 'a b' }, "VarnishConfig.vcl: 'backendHost' must be a host name or IPv4 address, got 'a b'"],
    [{ backendPort: 70000 }, "VarnishConfig.vcl: 'backendPort' must be an integer from 1 to 65535, got 70000"],
    [{ probePath: 'readyz' }, "VarnishConfig.vcl: 'probePath' must be an absolute URL path without spaces or quotes, got 'readyz'"],
    [{ probePath: '/a"b' }, "VarnishConfig.vcl: 'probePath' must be an absolute URL path without spaces or quotes, got '/a\"b'"],
    [{ probeWindow: 3, probeThreshold: 4 }, "VarnishConfig.vcl: 'probeThreshold' must be an integer from 1 to 3, got 4"],
    [{ ttl: Duration.millis(0) }, "VarnishConfig.vcl: 'ttl' must be a duration of whole milliseconds from 1ms to 8760h, got '0ms'"],
    [{ grace: Duration.millis(0.5) }, "VarnishConfig.vcl: 'grace' must be a duration of whole milliseconds from 0ms to 8760h, got '0.5ms'"],
    [{ healthPath: 'healthz' }, "VarnishConfig.vcl: 'healthPath' must be an absolute URL path without spaces, quotes or a query, got 'healthz'"],
    [{ healthPath: '/h?x=1' }, "VarnishConfig.vcl: 'healthPath' must be an absolute URL path without spaces, quotes or a query, got '/h?x=1'"],
    [{ healthPath: '/a"b' }, "VarnishConfig.vcl: 'healthPath' must be an absolute URL path without spaces, quotes or a query, got '/a\"b'"],
  ])('fails when %j', (bad, message) => {
    expect(() => VarnishConfig.vcl({ backendHost: 'web', backendPort: 8080, probePath: '/readyz', ...(bad as any) })).toThrow(message);
  });
});
