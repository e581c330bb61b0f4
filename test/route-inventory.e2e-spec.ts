import { RequestMethod, type Type } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ALLOWED_RESTRICTIONS, NO_API_KEY, PUBLIC_ROUTE, REQUIRED_PERMISSIONS } from '../src/common/auth/decorators';
import { API_PREFIX } from '../src/app.factory';
import { TestApp, startTestApp } from './support/test-app';

/**
 * Every route of the application with what it takes to call it, compared with the committed snapshot
 * test/route-inventory.json, so that a reviewer sees each new route and its permission in the diff.
 * A route that declares neither @Public() nor @RequirePermissions()/@Authenticated() fails the test.
 *
 * After adding or changing routes, regenerate the snapshot and review the diff:
 *   UPDATE_ROUTE_INVENTORY=1 npx jest --config jest.config.js test/route-inventory
 */
const SNAPSHOT = join(__dirname, 'route-inventory.json');

interface InventoryRoute {
  method: string;
  path: string;
  /** 'public', 'authenticated' (any signed-in caller), or the permissions required. */
  access: 'public' | 'authenticated' | string[];
  /** Present (false) when API keys can never reach the route. */
  apiKeys?: false;
  /** Present when restricted sessions (expired password, overdue MFA) may still reach the route. */
  allowRestricted?: string[];
}

interface Undeclared {
  method: string;
  path: string;
  handler: string;
}

function joinPath(...parts: string[]): string {
  const segments = parts.flatMap((p) => p.split('/')).filter(Boolean);
  return `/${segments.join('/')}`;
}

function collectRoutes(app: NestFastifyApplication): {
  routes: InventoryRoute[];
  undeclared: Undeclared[];
  unmounted: string[];
} {
  const reflector = app.get(Reflector);
  const scanner = new MetadataScanner();
  const fastify = app.getHttpAdapter().getInstance();
  const routes: InventoryRoute[] = [];
  const undeclared: Undeclared[] = [];
  const unmounted: string[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as Type | null;
      if (!controller) continue;
      const prototype = controller.prototype as Record<string, unknown>;
      const controllerPaths = ([] as string[]).concat(
        (Reflect.getMetadata(PATH_METADATA, controller) as string | string[]) ?? '/',
      );
      for (const name of scanner.getAllMethodNames(prototype)) {
        const handler = prototype[name] as (...args: unknown[]) => unknown;
        const handlerPaths = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        if (handlerPaths === undefined) continue;
        const method = RequestMethod[Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod];
        const targets = [handler, controller];
        const isPublic = reflector.getAllAndOverride(PUBLIC_ROUTE, targets);
        const permissions = reflector.getAllAndOverride(REQUIRED_PERMISSIONS, targets);
        const noApiKey = reflector.getAllAndOverride(NO_API_KEY, targets);
        const restricted = reflector.getAllAndOverride(ALLOWED_RESTRICTIONS, targets);
        for (const controllerPath of controllerPaths) {
          for (const handlerPath of ([] as string[]).concat(handlerPaths)) {
            const prefixed = joinPath(API_PREFIX, controllerPath, handlerPath);
            const bare = joinPath(controllerPath, handlerPath);
            const path = fastify.hasRoute({ method, url: prefixed })
              ? prefixed
              : fastify.hasRoute({ method, url: bare })
                ? bare
                : undefined;
            if (!path) {
              unmounted.push(`${method} ${prefixed}`);
              continue;
            }
            if (!isPublic && permissions === undefined) {
              undeclared.push({ method, path, handler: `${controller.name}.${name}` });
              continue;
            }
            routes.push({
              method,
              path,
              access: isPublic ? 'public' : permissions.length ? [...permissions].sort() : 'authenticated',
              ...(noApiKey ? { apiKeys: false as const } : {}),
              ...(restricted?.length ? { allowRestricted: [...restricted].sort() } : {}),
            });
          }
        }
      }
    }
  }
  routes.sort((x, y) => (x.path === y.path ? x.method.localeCompare(y.method) : x.path < y.path ? -1 : 1));
  return { routes, undeclared, unmounted };
}

describe('Route inventory', () => {
  let t: TestApp;
  let collected: ReturnType<typeof collectRoutes>;
  beforeAll(async () => {
    t = await startTestApp();
    collected = collectRoutes(t.app);
  });
  afterAll(() => t.close());

  it('finds the routes (the collector itself works)', () => {
    expect(collected.routes).toEqual(
      expect.arrayContaining([
        { method: 'GET', path: '/health/live', access: 'public' },
        { method: 'POST', path: '/api/v2/auth/login', access: 'public' },
        { method: 'POST', path: '/api/v2/roles', access: ['roles:manage'], apiKeys: false },
      ]),
    );
    expect(collected.unmounted).toEqual([]);
  });

  it('every route declares @Public() or its permissions (@RequirePermissions / @Authenticated)', () => {
    expect(collected.undeclared).toEqual([]);
  });

  it('no route is both public and permission-guarded', () => {
    for (const module of t.app.get(ModulesContainer).values()) {
      for (const wrapper of module.controllers.values()) {
        const controller = wrapper.metatype as Type | null;
        if (!controller) continue;
        const prototype = controller.prototype as Record<string, unknown>;
        for (const name of new MetadataScanner().getAllMethodNames(prototype)) {
          const targets = [prototype[name] as () => unknown, controller];
          const reflector = t.app.get(Reflector);
          const both =
            reflector.getAllAndOverride(PUBLIC_ROUTE, targets) &&
            reflector.getAllAndOverride(REQUIRED_PERMISSIONS, targets);
          expect(both ? `${controller.name}.${name}` : undefined).toBeUndefined();
        }
      }
    }
  });

  it('matches the committed snapshot test/route-inventory.json (UPDATE_ROUTE_INVENTORY=1 to regenerate)', () => {
    // One route per line: a new or changed route is one line in the diff.
    const current = `[\n${collected.routes.map((r) => `  ${JSON.stringify(r)}`).join(',\n')}\n]\n`;
    if (process.env.UPDATE_ROUTE_INVENTORY === '1') writeFileSync(SNAPSHOT, current);
    expect(existsSync(SNAPSHOT)).toBe(true);
    expect(JSON.parse(readFileSync(SNAPSHOT, 'utf8'))).toEqual(collected.routes);
  });
});
