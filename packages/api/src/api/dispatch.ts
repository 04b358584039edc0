/** Runs the handler of a route. */
import { discoveryDocument } from './discovery.js';
import type { Route } from './routes.js';
import type { ApiDeps, ApiReply, ApiRequest } from './request.js';
import { listMachines, patchMachines } from './v1-machines.js';
import { getState, listStates, listStatesV2 } from './v1-state.js';
import { deleteUnit, getUnit, listUnits, listUnitsV2, putUnit } from './v1-units.js';
import { deleteCordon, listMachinesV2, putCordon } from './v2-machines.js';
import { listServices, scaleTemplate } from './v2-scale.js';
import { getDeployment, listDeployments, promoteDeployment, rollbackDeployment, startDeployment } from './v2-deployments.js';
import { unitJournal, unitStatus } from './v2-units.js';

export function dispatch(deps: ApiDeps, r: Route, req: ApiRequest, rawHeaders?: string[]): Promise<ApiReply> {
  switch (r.kind) {
    case 'units.list':
      return listUnits(deps, req);
    case 'units.get':
      return getUnit(deps, r.name);
    case 'units.put':
      return putUnit(deps, r.name, req, rawHeaders);
    case 'units.delete':
      return deleteUnit(deps, r.name);
    case 'state.list':
      return listStates(deps, req);
    case 'state.get':
      return getState(deps, r.name);
    case 'machines.list':
      return listMachines(deps, req);
    case 'machines.patch':
      return patchMachines(deps, req);
    case 'discovery':
      return Promise.resolve({ status: 200, json: discoveryDocument(req.rootUrl) });
    case 'v2.machines':
      return listMachinesV2(deps);
    case 'v2.units':
      return listUnitsV2(deps);
    case 'v2.state':
      return listStatesV2(deps, req);
    case 'v2.status':
      return unitStatus(deps, r.name);
    case 'v2.journal':
      return unitJournal(deps, r.name, req);
    case 'v2.cordon.put':
      return putCordon(deps, r.machineId, req);
    case 'v2.cordon.delete':
      return deleteCordon(deps, r.machineId);
    case 'v2.scale':
      return scaleTemplate(deps, r.name, req);
    case 'v2.services':
      return listServices(deps);
    case 'v2.deployments.list':
      return listDeployments(deps);
    case 'v2.deployments.get':
      return getDeployment(deps, r.name);
    case 'v2.deployments.start':
      return startDeployment(deps, req);
    case 'v2.deployments.promote':
      return promoteDeployment(deps, r.name);
    case 'v2.deployments.rollback':
      return rollbackDeployment(deps, r.name, req);
  }
}
