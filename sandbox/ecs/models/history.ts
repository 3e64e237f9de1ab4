/** Service deployment history: every deployment the scheduler creates, with the service revision it rolled out. */
import type { Deployment, Service } from './model.js';
import type { EcsState } from './state.js';

/** One service deployment and the revision it rolled out. */
export interface HistoryEntry {
  arn: string;
  revisionArn: string;
  service: Service;
  deployment: Deployment;
}

function newId(state: EcsState): string {
  let id = '';
  for (let i = 0; i < 20; i++)
    id += 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'[Math.floor(state.random() * 62) % 62];
  return id;
}

/** Records a new deployment of `service` and its revision (called wherever the scheduler creates one). */
export function recordServiceDeployment(state: EcsState, service: Service, deployment: Deployment): void {
  const path = `${service.cluster.name}/${service.name}`;
  const entry: HistoryEntry = {
    arn: `arn:aws:ecs:${state.region}:${state.account}:service-deployment/${path}/${newId(state)}`,
    revisionArn: `arn:aws:ecs:${state.region}:${state.account}:service-revision/${path}/${newId(state)}`,
    service,
    deployment,
  };
  const list = state.serviceHistory.get(service) ?? [];
  list.push(entry);
  state.serviceHistory.set(service, list);
  state.revisions.set(entry.revisionArn, entry);
}
