import { isResourceType } from './definitions/resource-types';
import { badRequest, FhirError, issue, notFound } from './outcome';
import type { FhirContext, FhirMethod, FhirRequest, FhirResponse } from './request';
import { isValidId } from './repository/ids';
import { capabilities, registerImplemented } from './capabilities/interaction';
import type { ImplementedInteractions } from './capabilities/statement';
import { batchOrTransaction } from './interactions/batch';
import { create } from './interactions/create';
import { conditionalDelete, deleteInteraction } from './interactions/delete';
import { history } from './interactions/history';
import { invokeOperation } from './interactions/operation';
import { conditionalPatch, patch } from './interactions/patch';
import { read } from './interactions/read';
import { searchCompartment, searchSystem, searchType } from './interactions/search-routes';
import { conditionalUpdate, update } from './interactions/update';
import { vread } from './interactions/vread';

/** What a matched path carries: resource type, id, version, operation name, compartment target. */
export interface RouteParams {
  type?: string;
  id?: string;
  vid?: string;
  op?: string;
  /** The resource type searched inside a compartment (`Patient/1/[target]`). */
  target?: string;
}

export type RouteHandler = (req: FhirRequest, ctx: FhirContext, p: RouteParams) => Promise<FhirResponse>;

/** The interaction names of http.html and operations; used for access checks and the CapabilityStatement. */
export type InteractionName =
  | 'capabilities'
  | 'read'
  | 'vread'
  | 'update'
  | 'conditional-update'
  | 'patch'
  | 'conditional-patch'
  | 'delete'
  | 'conditional-delete'
  | 'create'
  | 'search-type'
  | 'search-system'
  | 'search-compartment'
  | 'history-instance'
  | 'history-type'
  | 'history-system'
  | 'batch'
  | 'operation';

export interface Route {
  interaction: InteractionName;
  handler: RouteHandler;
}

const t = (p: RouteParams) => p.type as string;
const i = (p: RouteParams) => p.id as string;

const notYet: RouteHandler = async () => {
  throw new FhirError(501, [issue('error', 'not-supported', 'batch/transaction is not yet available')]);
};

/**
 * THE interaction table (ADR 0003): path shape → method → interaction. Shapes use `[type]`,
 * `[id]`, `[vid]`, `[op]` (a `$name` segment) and `[target]` (a compartment's resource type).
 */
export const ROUTES: Readonly<Record<string, Partial<Record<FhirMethod, Route>>>> = {
  '': {
    GET: { interaction: 'search-system', handler: (r, c) => searchSystem(r, c) },
    POST: { interaction: 'batch', handler: (r, c) => batchOrTransaction(r, c) },
  },
  metadata: { GET: { interaction: 'capabilities', handler: (r, c) => capabilities(r, c) } },
  _history: { GET: { interaction: 'history-system', handler: (r, c) => history(r, c, {}) } },
  '[op]': operationRoutes('system'),
  '[type]': {
    GET: { interaction: 'search-type', handler: (r, c, p) => searchType(r, c, t(p)) },
    POST: { interaction: 'create', handler: (r, c, p) => create(r, c, t(p)) },
    PUT: { interaction: 'conditional-update', handler: (r, c, p) => conditionalUpdate(r, c, t(p)) },
    PATCH: { interaction: 'conditional-patch', handler: (r, c, p) => conditionalPatch(r, c, t(p)) },
    DELETE: { interaction: 'conditional-delete', handler: (r, c, p) => conditionalDelete(r, c, t(p)) },
  },
  '[type]/_search': { POST: { interaction: 'search-type', handler: (r, c, p) => searchType(r, c, t(p)) } },
  '[type]/_history': { GET: { interaction: 'history-type', handler: (r, c, p) => history(r, c, { type: t(p) }) } },
  '[type]/[op]': operationRoutes('type'),
  '[type]/[id]': {
    GET: { interaction: 'read', handler: (r, c, p) => read(r, c, t(p), i(p)) },
    PUT: { interaction: 'update', handler: (r, c, p) => update(r, c, t(p), i(p)) },
    PATCH: { interaction: 'patch', handler: (r, c, p) => patch(r, c, t(p), i(p)) },
    DELETE: { interaction: 'delete', handler: (r, c, p) => deleteInteraction(r, c, t(p), i(p)) },
  },
  '[type]/[id]/_history': {
    GET: { interaction: 'history-instance', handler: (r, c, p) => history(r, c, { type: t(p), id: i(p) }) },
  },
  '[type]/[id]/_history/[vid]': { GET: { interaction: 'vread', handler: (r, c, p) => vread(r, c, t(p), i(p), p.vid as string) } },
  '[type]/[id]/[op]': operationRoutes('instance'),
  '[type]/[id]/[target]': {
    GET: { interaction: 'search-compartment', handler: (r, c, p) => searchCompartment(r, c, t(p), i(p), p.target as string) },
  },
};

function operationRoutes(level: 'system' | 'type' | 'instance'): Partial<Record<FhirMethod, Route>> {
  const route: Route = { interaction: 'operation', handler: (r, c, p) => invokeOperation(r, c, p.op as string, level, p.type, p.id) };
  // every method reaches the operation resolver, which answers 405 with the right Allow header
  return { GET: route, POST: route, PUT: route, PATCH: route, DELETE: route };
}

export interface MatchedRoute {
  shape: string;
  route: Route;
  params: RouteParams;
}

/** Matches `req.path` to a route: 404 unknown type/path, 400 bad id syntax, 405 method not allowed. */
export function matchRoute(method: FhirMethod, path: string): MatchedRoute {
  const { shape, params } = classify(path);
  const methods = ROUTES[shape];
  if (!methods) throw notFound(`Unknown path '${path}'`);
  const route = methods[method === 'HEAD' ? 'GET' : method];
  if (!route) {
    const allow = Object.keys(methods).join(', ');
    throw new FhirError(405, [issue('error', 'not-supported', `${method} is not allowed on '${path || '/'}' (allowed: ${allow})`)], {
      Allow: allow,
    });
  }
  return { shape, route, params };
}

const SYSTEM_SEGMENTS = new Set(['metadata', '_history']);

function classify(rawPath: string): { shape: string; params: RouteParams } {
  const path = rawPath.replace(/^\/+|\/+$/g, '');
  if (path === '') return { shape: '', params: {} };
  const segments = path.split('/').map(decodeSegment);
  const [first, second, third, fourth] = segments;
  if (segments.length > 4 || first === undefined) throw notFound(`Unknown path '${rawPath}'`);
  const params: RouteParams = {};
  const shape: string[] = [];
  if (segments.length === 1 && SYSTEM_SEGMENTS.has(first)) return { shape: first, params };
  if (first.startsWith('$')) {
    if (segments.length > 1) throw notFound(`Unknown path '${rawPath}'`);
    return { shape: '[op]', params: { op: operationName(first) } };
  }
  params.type = resourceType(first);
  shape.push('[type]');
  if (second !== undefined) {
    if (second === '_search' || second === '_history') shape.push(second);
    else if (second.startsWith('$')) {
      params.op = operationName(second);
      shape.push('[op]');
    } else {
      params.id = id(second, 'id');
      shape.push('[id]');
    }
  }
  if (third !== undefined) {
    if (!params.id) throw notFound(`Unknown path '${rawPath}'`);
    if (third === '_history') shape.push('_history');
    else if (third.startsWith('$')) {
      params.op = operationName(third);
      shape.push('[op]');
    } else {
      params.target = resourceType(third);
      shape.push('[target]');
    }
  }
  if (fourth !== undefined) {
    if (third !== '_history') throw notFound(`Unknown path '${rawPath}'`);
    params.vid = id(fourth, 'version id');
    shape.push('[vid]');
  }
  return { shape: shape.join('/'), params };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw badRequest(`Malformed URL segment '${segment}'`);
  }
}

function resourceType(segment: string): string {
  if (!isResourceType(segment)) throw notFound(`Unknown resource type '${segment}'`);
  return segment;
}

function id(segment: string, what: string): string {
  if (!isValidId(segment)) throw badRequest(`Invalid ${what} '${segment}': expected [A-Za-z0-9-.]{1,64}`);
  return segment;
}

function operationName(segment: string): string {
  const name = segment.slice(1);
  if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(name)) throw badRequest(`Invalid operation name '${segment}'`);
  return name;
}

const TYPE_INTERACTIONS: Partial<Record<InteractionName, ImplementedInteractions['type'][number]>> = {
  read: 'read',
  vread: 'vread',
  update: 'update',
  patch: 'patch',
  delete: 'delete',
  'history-instance': 'history-instance',
  'history-type': 'history-type',
  create: 'create',
  'search-type': 'search-type',
};

/** The CapabilityStatement's interaction lists, derived from ROUTES. */
function implementedInteractions(): ImplementedInteractions {
  const routes = Object.values(ROUTES).flatMap((methods) => Object.values(methods));
  const type = new Set<ImplementedInteractions['type'][number]>();
  const system = new Set<ImplementedInteractions['system'][number]>();
  for (const route of routes) {
    const code = TYPE_INTERACTIONS[route.interaction];
    if (code) type.add(code);
    if (route.interaction === 'history-system') system.add('history-system');
    if (route.interaction === 'search-system') system.add('search-system');
    if (route.interaction === 'batch' && route.handler !== notYet) {
      system.add('batch');
      system.add('transaction');
    }
  }
  return { type: [...type], system: [...system] };
}

registerImplemented(implementedInteractions());
