import { NginxSplitConfig, StickyKey } from '../../src';

const backends = [
  { name: 'web', host: 'web', port: 80, weight: 9 },
  { name: 'experiment', host: 'experiment', port: 80, weight: 1 },
];

describe('NginxSplitConfig', () => {
  test("the book's 90/10 experiment, sticky by client address: split_clients over the whole address", () => {
    const text = NginxSplitConfig.render({ backends });
    expect(text).toMatchSnapshot();
    expect(text).toContain('    split_clients "$remote_addr" $split_backend {\n        90.00% split_web;\n        *      split_experiment;\n    }\n');
    expect(text).toContain('    upstream split_web {\n        server web:80;\n');
    expect(text).toContain('    upstream split_experiment {\n        server experiment:80;\n');
    expect(text).toContain('proxy_pass http://$split_backend;');
    expect(text).not.toContain('map ');
    expect(text).toContain(`location = ${NginxSplitConfig.HEALTH_PATH} {`);
    for (const line of text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))) expect(line).toMatch(/[;{}]$/);
  });

  test.each([
    [StickyKey.cookie('user'), '$cookie_user', 'the user cookie'],
    [StickyKey.header('X-User-Id'), '$http_x_user_id', 'the X-User-Id header'],
  ])('an application key %#, falling back to the client address', (key, variable, description) => {
    expect(key.variable).toBe(variable);
    expect(key.description).toBe(description);
    expect(key.isClientAddress).toBe(false);
    const text = NginxSplitConfig.render({ backends, stickiness: key });
    expect(text).toContain(`    map ${variable} $split_key {\n        ""      $remote_addr;\n        default ${variable};\n    }\n`);
    expect(text).toContain('split_clients "$split_key" $split_backend {');
  });

  test('an in-pod listener on 127.0.0.1 with the health endpoint on its own port, and a backend header', () => {
    const text = NginxSplitConfig.render({ backends, stickiness: StickyKey.cookie('user'), listenAddress: '127.0.0.1', port: 9000, healthPort: 9001, backendHeader: 'X-Split-Backend' });
    expect(text).toContain('        listen 9001;\n        location = /healthz-split {');
    expect(text).toContain('        listen 127.0.0.1:9000;\n        location / {');
    expect(text).toContain('add_header X-Split-Backend $split_backend always;');
  });

  test('n-way shares: cumulative rounding to 0.01 %, summing to 100 %', () => {
    expect(NginxSplitConfig.basisPoints([9, 1])).toEqual([9000, 1000]);
    expect(NginxSplitConfig.basisPoints([1, 1, 1])).toEqual([3333, 3334, 3333]);
    const bp = NginxSplitConfig.basisPoints([1, 2, 3, 4, 5, 6, 7]);
    expect(bp.reduce((a, b) => a + b, 0)).toBe(10000);
    bp.forEach((b, i) => expect(Math.abs(b - (10000 * (i + 1)) / 28)).toBeLessThanOrEqual(1));
    const text = NginxSplitConfig.render({ backends: [{ name: 'a', host: 'a', port: 1, weight: 1 }, { name: 'b', host: 'b', port: 1, weight: 1 }, { name: 'c', host: 'c', port: 1, weight: 1 }] });
    expect(text).toContain('        33.33% split_a;\n        33.34% split_b;\n        *      split_c;\n');
  });

  test.each([
    [() => NginxSplitConfig.render({ backends: [backends[0]] }), "NginxSplitConfig.render: 'backends' must be a list of at least two sides (a split with one side is a plain proxy)"],
    [() => NginxSplitConfig.render({ backends: [{ ...backends[0], weight: 0 }, { ...backends[1], weight: 0 }] }), "NginxSplitConfig.render: 'backends[*].weight' must be at least one weight above zero, got 0"],
    [() => NginxSplitConfig.render({ backends: [{ ...backends[0], weight: 1.5 }, backends[1]] }), "NginxSplitConfig.render: 'backends[0].weight' must be an integer from 1 to 10000, got 1.5"],
    [() => NginxSplitConfig.render({ backends: [backends[0], { ...backends[1], weight: -1 }] }), "NginxSplitConfig.render: 'backends[1].weight' must be an integer from 1 to 10000, got -1"],
    [() => NginxSplitConfig.render({ backends: [{ ...backends[0], weight: 10000 }, { ...backends[1], weight: 10000 }, { name: 'tiny', host: 'tiny', port: 80, weight: 1 }] }), "'backends[*].weight' must be weights whose every share is at least 0.01 % (split_clients' resolution), got [10000,10000,1]"],
    [() => NginxSplitConfig.render({ backends: [backends[0], { ...backends[1], name: 'web' }] }), "'backends' must be sides with distinct names, got 'web'"],
    [() => NginxSplitConfig.render({ backends: [backends[0], { ...backends[1], name: 'Exp-1' }] }), "'backends[1].name' must be a name of lowercase letters, digits and '_', starting with a letter (at most 40), got 'Exp-1'"],
    [() => NginxSplitConfig.render({ backends, stickiness: StickyKey.cookie('my-session') }), "NginxSplitConfig.render: 'stickiness' must be StickyKey.cookie(name) with a name of letters, digits and '_' (nginx exposes only those as $cookie_…), got 'my-session'"],
    [() => NginxSplitConfig.render({ backends, stickiness: StickyKey.header('X_User') }), "'stickiness' must be StickyKey.header(name) with a name of letters, digits and '-' (nginx exposes only those as $http_…), got 'X_User'"],
    [() => NginxSplitConfig.render({ backends, stickiness: 'ip' as any }), "'stickiness' must be a StickyKey (StickyKey.clientIp(), .cookie(name), .header(name)), got 'ip'"],
    [() => NginxSplitConfig.render({ backends, port: 80 }), "'port' must be an integer from 1024 to 65535, got 80"],
    [() => NginxSplitConfig.render({ backends, healthPort: 8080 }), "'healthPort' must be a port other than 'port' (8080), got 8080"],
    [() => NginxSplitConfig.basisPoints([0, 0]), "NginxSplitConfig.basisPoints: 'weights' must be positive integers up to 10000, got [0,0]"],
  ])('fails when %#', (f, message) => {
    expect(f).toThrow(message);
  });
});
