/** A small sandbox scenario: two clusters, a classic registry, Service Connect, a deleted service and a manual registration. */
export const SMALL_FLEET = {
  name: 'small',
  account: '111122223333',
  namespaces: [{ name: 'internal.local' }, { name: 'mesh', type: 'HTTP' }],
  clusters: [
    {
      name: 'prod-a',
      services: [
        { name: 'orders', desiredCount: 3, registry: { namespace: 'internal.local', ttl: 300 } },
        { name: 'billing', desiredCount: 2, serviceConnect: { namespace: 'mesh', endpoints: ['billing'] } },
        { name: 'old', desiredCount: 1, registry: { namespace: 'internal.local' }, deleted: true },
      ],
    },
    { name: 'prod-b', services: [{ name: 'web', desiredCount: 2, serviceConnect: { namespace: 'mesh' } }] },
  ],
  cloudMap: { services: [{ namespace: 'internal.local', name: 'legacy', instances: [{ id: 'i-manual' }] }] },
};

/** Reads JSON from the sandbox control API. */
export async function control<T>(url: string, path: string, init?: { method?: string; body?: unknown }): Promise<T> {
  const response = await fetch(`${url}${path}`, {
    method: init?.method ?? 'GET',
    ...(init?.body !== undefined
      ? { body: JSON.stringify(init.body), headers: { 'content-type': 'application/json' } }
      : {}),
  });
  if (!response.ok)
    throw new Error(`${init?.method ?? 'GET'} ${path}: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}
