/** A stored service as the API and metrics show it (docs/services.md): its count and how many of its numbered
 * instances 1..count systemd reports active. */
import { planScale, scaleTemplateParts, type ServiceRecord } from '@flotilla/core';

export interface ServiceView {
  template: string;
  count: number;
  running: number;
}

export function serviceJson(service: ServiceRecord, active: ReadonlySet<string>): ServiceView {
  const parts = scaleTemplateParts(service.template);
  const wanted = parts ? planScale({ dir: '', ...parts }, service.count, []).wanted : [];
  return { template: service.template, count: service.count, running: wanted.filter((u) => active.has(u)).length };
}
