/**
 * The second emulator for differential tests: moto_server on an ephemeral loopback port, and a counting proxy that
 * records every AWS call (X-Amz-Target) a client sends to either backend, so both runs can be compared call by call.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { freePort, MissingJudgeError } from '../tools.js';
import { waitFor } from '../../support/wait.js';

export interface Moto {
  url: string;
  process: ChildProcess;
  log(): string;
  close(): Promise<void>;
}

/** Starts moto_server (or `python3 -m moto.server`) and waits until it answers; a missing moto fails by name. */
export async function startMoto(): Promise<Moto> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    child.stdout!.on('data', (d) => (log += d));
    child.stderr!.on('data', (d) => (log += d));
    const failed = new Promise<Error>((resolve) => {
      child.on('error', (e: NodeJS.ErrnoException) =>
        resolve(e.code === 'ENOENT' ? new MissingJudgeError('moto_server', 'moto_server not on PATH') : e),
      );
      child.on('exit', (code) => resolve(new Error(`moto_server exited (${code}): ${log}`)));
    });
    const url = `http://127.0.0.1:${port}`;
    // A fetch that throws (not listening yet) counts as not ready.
    const ready = waitFor(async () => (await fetch(`${url}/moto-api/data.json`)).ok, {
      what: `moto_server on ${url}`,
      timeoutMs: 30_000,
      intervalMs: 100,
    }).then(
      () => undefined,
      () => new Error(`moto_server did not answer on ${url} within 30 s: ${log}`),
    );
    const outcome = await Promise.race([ready, failed]);
    if (outcome === undefined) {
      // moto moves an ECS task one state towards STOPPED each time it is described (its ManagedState default);
      // an AWS task runs until it is stopped, so progression is by time, far beyond any test.
      const set = await fetch(`${url}/moto-api/state-manager/set-transition`, {
        method: 'POST',
        body: JSON.stringify({ model_name: 'ecs::task', transition: { progression: 'time', seconds: 86_400 } }),
      });
      if (!set.ok) throw new Error(`moto state manager: ${set.status} ${await set.text()}`);
      return {
        url,
        process: child,
        log: () => log,
        close: async () => {
          if (child.exitCode !== null || child.signalCode !== null) return;
          const exited = new Promise((resolve) => child.once('exit', resolve));
          child.kill('SIGTERM');
          await exited;
        },
      };
    }
    child.kill('SIGKILL');
    if (outcome instanceof MissingJudgeError) throw outcome;
    if (!/Address already in use/.test(String(outcome.message))) throw outcome;
  }
  throw new Error('moto_server: no free port after 3 attempts');
}

export interface CountingProxy {
  url: string;
  /** Every call seen, in order, as "ECS.ListServices"-style X-Amz-Target suffixes ("ecs:ListServices"). */
  calls: string[];
  close(): Promise<void>;
}

const PREFIXES: Record<string, string> = {
  AmazonEC2ContainerServiceV20141113: 'ecs',
  Route53AutoNaming_v20170314: 'servicediscovery',
  AmazonSQS: 'sqs',
  AWSEvents: 'events',
  AnyScaleFrontendService: 'application-autoscaling',
};

/** A loopback HTTP proxy in front of target that records each request's X-Amz-Target. */
export async function startCountingProxy(target: string): Promise<CountingProxy> {
  const calls: string[] = [];
  const upstream = new URL(target);
  const server: Server = createServer((req, res) => {
    const [prefix, operation] = String(req.headers['x-amz-target'] ?? '').split('.');
    if (operation) calls.push(`${PREFIXES[prefix] ?? prefix}:${operation}`);
    const forward = request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', (error) => {
      res.writeHead(502);
      res.end(String(error));
    });
    req.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Creates a VPC, subnet and security group in moto's EC2 (moto validates awsvpcConfiguration against it; EC2 Query API). */
export async function motoNetwork(url: string): Promise<{ subnet: string; securityGroup: string }> {
  const ec2 = async (params: Record<string, string>): Promise<string> => {
    const body = new URLSearchParams({ ...params, Version: '2016-11-15' });
    const response = await fetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization:
          'AWS4-HMAC-SHA256 Credential=judge/20240101/us-east-1/ec2/aws4_request, SignedHeaders=host, Signature=0',
      },
      body,
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`moto EC2 ${params.Action}: ${response.status} ${text}`);
    return text;
  };
  const vpc = /<vpcId>([^<]+)<\/vpcId>/.exec(await ec2({ Action: 'CreateVpc', CidrBlock: '10.20.0.0/16' }))![1];
  // moto's awsvpc RunTask fails (HTTP 500) in a VPC without DNS host names; AWS does not care.
  await ec2({ Action: 'ModifyVpcAttribute', VpcId: vpc, 'EnableDnsHostnames.Value': 'true' });
  const subnet = /<subnetId>([^<]+)<\/subnetId>/.exec(
    await ec2({ Action: 'CreateSubnet', VpcId: vpc, CidrBlock: '10.20.4.0/24' }),
  )![1];
  const securityGroup = /<groupId>([^<]+)<\/groupId>/.exec(
    await ec2({ Action: 'CreateSecurityGroup', VpcId: vpc, GroupName: 'app', GroupDescription: 'app' }),
  )![1];
  return { subnet, securityGroup };
}
