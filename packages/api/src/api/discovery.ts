/**
 * `GET /fleet/v1/discovery`: a Google discovery document describing API v1, as fleet embedded
 * (`schema/v1.json`): id `fleet:v1`, servicePath `fleet/v1/`, methods Machines.List, Units.List/Get/Delete/Set,
 * UnitState.List. Written here from the routes this server implements. Pure.
 */
const page = (items: string, ref: string) => ({
  id: `${ref}Page`,
  type: 'object',
  properties: { [items]: { type: 'array', items: { $ref: ref } }, nextPageToken: { type: 'string' } },
});
const str = { type: 'string' };
const token = { nextPageToken: { type: 'string', location: 'query' } };
const unitName = { unitName: { type: 'string', location: 'path', required: true } };

const SCHEMAS = {
  Machine: { id: 'Machine', type: 'object', properties: { id: str, primaryIP: str, metadata: { type: 'object', additionalProperties: str } } },
  MachinePage: page('machines', 'Machine'),
  UnitOption: { id: 'UnitOption', type: 'object', properties: { section: str, name: str, value: str } },
  Unit: {
    id: 'Unit',
    type: 'object',
    properties: {
      name: str,
      options: { type: 'array', items: { $ref: 'UnitOption' } },
      desiredState: { type: 'string', enum: ['inactive', 'loaded', 'launched'] },
      currentState: { type: 'string', enum: ['inactive', 'loaded', 'launched'] },
      machineID: str,
    },
  },
  UnitPage: page('units', 'Unit'),
  UnitState: {
    id: 'UnitState',
    type: 'object',
    properties: { name: str, hash: str, machineID: str, systemdLoadState: str, systemdActiveState: str, systemdSubState: str },
  },
  UnitStatePage: page('states', 'UnitState'),
};

const RESOURCES = {
  Machines: { methods: { List: { id: 'fleet.Machine.List', path: 'machines', httpMethod: 'GET', parameters: token, response: { $ref: 'MachinePage' } } } },
  Units: {
    methods: {
      List: { id: 'fleet.Unit.List', path: 'units', httpMethod: 'GET', parameters: token, response: { $ref: 'UnitPage' } },
      Get: { id: 'fleet.Unit.Get', path: 'units/{unitName}', httpMethod: 'GET', parameters: unitName, response: { $ref: 'Unit' } },
      Delete: { id: 'fleet.Unit.Delete', path: 'units/{unitName}', httpMethod: 'DELETE', parameters: unitName },
      Set: { id: 'fleet.Unit.Set', path: 'units/{unitName}', httpMethod: 'PUT', parameters: unitName, request: { $ref: 'Unit' } },
    },
  },
  UnitState: {
    methods: {
      List: {
        id: 'fleet.UnitState.List',
        path: 'state',
        httpMethod: 'GET',
        parameters: { ...token, machineID: { type: 'string', location: 'query' }, unitName: { type: 'string', location: 'query' } },
        response: { $ref: 'UnitStatePage' },
      },
    },
  },
};

export function discoveryDocument(rootUrl: string): unknown {
  return {
    kind: 'discovery#restDescription',
    discoveryVersion: 'v1',
    id: 'fleet:v1',
    name: 'schema',
    version: 'v1',
    title: 'fleet API',
    description: 'Manage your cluster of computers and the units they run (served by Flotilla).',
    documentationLink: 'https://github.com/coreos/fleet',
    protocol: 'rest',
    rootUrl,
    servicePath: 'fleet/v1/',
    batchPath: 'batch',
    parameters: { alt: { type: 'string', default: 'json', enum: ['json'], location: 'query' } },
    schemas: SCHEMAS,
    resources: RESOURCES,
  };
}
