/** The AWS error code of an SDK error ("AccessDeniedException", "ServiceNotFound"), or "Unknown". */
export function awsErrorCode(error: unknown): string {
  const e = error as { name?: string; Code?: string; code?: string };
  return e?.name && e.name !== 'Error' ? e.name : (e?.Code ?? e?.code ?? 'Unknown');
}
