/**
 * Sends a generator process made that the server did not store (refused, or never answered),
 * by why: a step's deliveries are owed for the messages it sent, so one that fell short says
 * whether its messages were refused or lost on the way.
 */
const failures = new Map<string, number>();

export function sendFailed(why: string): void {
  failures.set(why, (failures.get(why) ?? 0) + 1);
}

/** The failures since the last take (undefined for none), and a fresh count. */
export function takeSendFailures(): Record<string, number> | undefined {
  if (failures.size === 0) return undefined;
  const out = Object.fromEntries(failures);
  failures.clear();
  return out;
}

/** A send's ack as ours answers it: fine, or its error's code. */
export function checkSendAck(answer: unknown): void {
  const r = answer as { ok?: boolean; error?: { code?: string } } | undefined;
  if (!r?.ok) sendFailed(`refused: ${r?.error?.code ?? 'no answer'}`);
}
