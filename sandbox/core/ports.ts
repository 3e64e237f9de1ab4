/**
 * How the emulated services reach each other inside the sandbox. ECS (sandbox/ecs) registers instances and
 * creates Service Connect services in Cloud Map (sandbox/cloudmap), and publishes events that EventBridge
 * (sandbox/eventbridge) routes to SQS (sandbox/sqs). Each module exports a factory returning its port.
 */
import type { EmulatedService, EventSink, SandboxContext } from './types.js';

export interface CloudMapNamespaceView {
  id: string;
  arn: string;
  name: string;
  type: 'DNS_PRIVATE' | 'DNS_PUBLIC' | 'HTTP';
  /** The SOA record's TTL (negative caching) of a DNS namespace; undefined for HTTP namespaces. */
  soaTtl?: number;
}

export interface CloudMapServiceView {
  id: string;
  arn: string;
  name: string;
  namespaceId: string;
  /** HTTP for services without DNS records (Service Connect, HTTP namespaces). */
  type: 'HTTP' | 'DNS_HTTP' | 'DNS';
  dnsRecords: { Type: string; TTL: number }[];
  tags: Record<string, string>;
  createdAt: number;
}

export interface CloudMapInstanceView {
  id: string;
  serviceId: string;
  attributes: Record<string, string>;
  /** Who registered it: 'ecs' for the ECS scheduler, 'other' for an EC2/Lambda/manual registration. */
  registeredBy: 'ecs' | 'other';
  createdAt: number;
}

/** What a deletion looked like when it happened, for /_sandbox/truth's wronglyDeleted. */
export interface DeletionRecord {
  kind: 'service' | 'instance';
  serviceId: string;
  instanceId?: string;
  name?: string;
  at: string;
  why: string;
}

/** Answers "would deleting this be wrong right now?"; ECS installs it so Cloud Map can record wrong deletions. */
export type DeletionAuditor = (target: {
  kind: 'service' | 'instance';
  serviceId: string;
  instanceId?: string;
}) => string | undefined;

export interface CloudMapPort {
  service: EmulatedService;
  namespaceByRef(nameOrIdOrArn: string): CloudMapNamespaceView | undefined;
  serviceByArn(arn: string): CloudMapServiceView | undefined;
  serviceById(id: string): CloudMapServiceView | undefined;
  namespaces(): CloudMapNamespaceView[];
  services(): CloudMapServiceView[];
  instances(serviceId: string): CloudMapInstanceView[];
  /** Creates a namespace directly (scenario loading); returns its view. */
  createNamespace(input: {
    name: string;
    type: 'DNS_PRIVATE' | 'DNS_PUBLIC' | 'HTTP';
    createdAt?: number;
    owner?: string;
    soaTtl?: number;
  }): CloudMapNamespaceView;
  /** Creates a service directly (scenario loading, Service Connect). */
  createService(input: {
    namespaceId: string;
    name: string;
    dnsRecords?: { Type: string; TTL: number }[];
    tags?: Record<string, string>;
    createdAt?: number;
    /** Another account's service in a namespace shared with us. */
    createdByAccount?: string;
  }): CloudMapServiceView;
  /** Registers an instance synchronously (what ECS does for a starting task, or a scenario's manual registration). */
  registerInstance(
    serviceId: string,
    instanceId: string,
    attributes: Record<string, string>,
    registeredBy: 'ecs' | 'other',
    createdByAccount?: string,
  ): void;
  /** Removes an instance synchronously (ECS stopping a task); a no-op when absent. */
  removeInstance(serviceId: string, instanceId: string): void;
  /** Sets the SOA TTL of a DNS namespace at once (drift injection); throws for an HTTP namespace. */
  setSoaTtl(namespaceId: string, ttl: number): void;
  /** Sets the TTL of every DNS record of a service (drift injection). */
  setTtl(serviceId: string, ttl: number): void;
  setDeletionAuditor(auditor: DeletionAuditor): void;
  wronglyDeleted(): DeletionRecord[];
}

export interface SqsPort {
  service: EmulatedService;
  /** Delivers a message body to the queue with this ARN (EventBridge targets); false when there is no such queue. */
  sendToArn(queueArn: string, body: string): boolean;
  /** Creates a queue directly (scenario loading); returns its URL and ARN. */
  createQueue(name: string, attributes?: Record<string, string>): { url: string; arn: string };
}

export interface EventBridgePort extends EventSink {
  service: EmulatedService;
}

/** Factory signatures each module exports (as createCloudMap / createSqs / createEventBridge). */
export type CreateCloudMap = (ctx: SandboxContext) => CloudMapPort;
export type CreateSqs = (ctx: SandboxContext, options: { endpointUrl: () => string }) => SqsPort;
export type CreateEventBridge = (ctx: SandboxContext, sqs: SqsPort) => EventBridgePort;
