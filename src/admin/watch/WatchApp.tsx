import { useApp, useInput, useStdout } from 'ink';
import type { StatusDocument } from '../status-document.js';
import { StatusView } from './StatusView.js';
import { useStatusPoll } from './use-status-poll.js';

export interface WatchAppProps {
  server: string;
  fetchStatus: () => Promise<StatusDocument>;
  intervalMs?: number;
  /** Called when the user quits (before the app unmounts). */
  onQuit?: () => void;
}

/** `status --watch`: polls once a second and redraws; q (or Esc) quits. */
export function WatchApp({
  server,
  fetchStatus,
  intervalMs = 1000,
  onQuit,
}: WatchAppProps): React.JSX.Element {
  const { exit } = useApp();
  const { stdout } = useStdout();
  const { state, now } = useStatusPoll(fetchStatus, intervalMs);
  useInput((input, key) => {
    if (input === 'q' || key.escape) {
      onQuit?.();
      exit();
    }
  });
  return <StatusView server={server} state={state} now={now} width={stdout.columns || 80} />;
}
