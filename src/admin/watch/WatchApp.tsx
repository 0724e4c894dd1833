import { useApp, useInput } from 'ink';
import type { StatusDocument } from '../status-document.js';
import { StatusView } from './StatusView.js';
import { useStatusPoll } from './use-status-poll.js';

export interface WatchAppProps {
  server: string;
  fetchStatus: () => Promise<StatusDocument>;
  intervalMs?: number;
}

/** `status --watch`: polls once a second and redraws; q (or Esc) quits. */
export function WatchApp({
  server,
  fetchStatus,
  intervalMs = 1000,
}: WatchAppProps): React.JSX.Element {
  const { exit } = useApp();
  const { state, now } = useStatusPoll(fetchStatus, intervalMs);
  useInput((input, key) => {
    if (input === 'q' || key.escape) exit();
  });
  return <StatusView server={server} state={state} now={now} />;
}
