import { Box, useApp, useInput, useStdout } from 'ink';
import { useEffect, useState } from 'react';
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
  // Drawn as tall as the terminal: Ink then redraws each frame whole (clear, then the frame)
  // rather than erasing as many rows as it last wrote, which a resize had rewrapped (old
  // headers were left above the new frame). Once a second, that costs nothing worth saving.
  const [size, setSize] = useState({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
  useEffect(() => {
    const resized = (): void => setSize({ columns: stdout.columns || 80, rows: stdout.rows || 24 });
    stdout.on('resize', resized);
    return () => void stdout.off('resize', resized);
  }, [stdout]);
  const { state, now } = useStatusPoll(fetchStatus, intervalMs);
  useInput((input, key) => {
    if (input === 'q' || key.escape) {
      onQuit?.();
      exit();
    }
  });
  return (
    <Box flexDirection="column" height={size.rows}>
      <StatusView server={server} state={state} now={now} width={size.columns} />
    </Box>
  );
}
