import { PERMISSIONS as PACKAGE_PERMISSIONS, USER_TYPES as PACKAGE_USER_TYPES } from '@dotmac/user-management-client';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveOptions } from '../packages/nest-auth/src/options';
import { ALL_PERMISSIONS } from '../src/common/auth/permissions';
import { USER_TYPES } from '../src/common/user-types';

const root = join(__dirname, '..');
const pkg = join(root, 'packages', 'nest-auth');

describe('@dotmac/user-management-client (packages/nest-auth)', () => {
  it('compiles on its own: its rootDir is its src, so it cannot import the service (or its database code)', () => {
    const tsc = require.resolve('typescript/bin/tsc');
    expect(() =>
      execFileSync(process.execPath, [tsc, '-p', join(pkg, 'tsconfig.json'), '--noEmit'], { cwd: pkg, stdio: 'pipe' }),
    ).not.toThrow();
    const manifest = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8'));
    expect(manifest.name).toBe('@dotmac/user-management-client');
    const deps = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies });
    expect(deps.filter((d) => /typeorm|^pg$|bcrypt|ioredis/.test(d))).toEqual([]);
  });

  it('the generated API types are up to date with openapi.json (run `npm run client:generate`)', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dm-client-')), 'api.ts');
    const cli = join(root, 'node_modules', 'openapi-typescript', 'bin', 'cli.js');
    execFileSync(process.execPath, [cli, join(root, 'openapi.json'), '-o', out], { stdio: 'pipe' });
    const committed = readFileSync(join(pkg, 'src', 'generated', 'api.ts'), 'utf8');
    expect(committed === readFileSync(out, 'utf8')).toBe(true);
  });

  it('its shared enums are the service’s', () => {
    expect([...PACKAGE_USER_TYPES]).toEqual([...USER_TYPES]);
    expect([...PACKAGE_PERMISSIONS].sort()).toEqual([...ALL_PERMISSIONS].sort());
  });

  it('accepts only asymmetric algorithms and derives its URLs from issuerUrl', () => {
    expect(() =>
      resolveOptions({ issuerUrl: 'http://users', audience: 'dotmac-api', algorithms: ['HS256' as 'EdDSA'] }),
    ).toThrow(/only EdDSA and ES256/);
    expect(() => resolveOptions({ audience: 'dotmac-api' })).toThrow(/issuerUrl or jwksUrl/);
    const o = resolveOptions({
      issuerUrl: 'https://users.example.com/',
      audience: 'dotmac-api',
      introspection: { apiKey: 'k' },
    });
    expect(o.jwksUrl.toString()).toBe('https://users.example.com/.well-known/jwks.json');
    expect(o.introspection).toMatchObject({
      url: 'https://users.example.com/api/v2/auth/introspect',
      baseUrl: 'https://users.example.com',
    });
    expect(o.algorithms).toEqual(['EdDSA', 'ES256']);
    expect(() =>
      resolveOptions({
        jwksUrl: 'https://x/jwks',
        audience: 'a',
        introspection: { url: 'https://x/other', apiKey: 'k' },
      }),
    ).toThrow(/must end with/);
  });
});
