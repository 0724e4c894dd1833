import { Box, useApp, useInput } from 'ink';
import { useEffect, useMemo, useState } from 'react';
import { useBell } from '../hooks/use-bell.js';
import { useChatStore } from '../hooks/use-chat-store.js';
import { INPUT_MAX_LENGTH, useInputLine } from '../hooks/use-input-line.js';
import { useTerminalSize, type TerminalSize } from '../hooks/use-terminal-size.js';
import { keyCommand, type KeyCommand } from '../keys.js';
import type { ChatStore } from '../state/chat-store.js';
import { clampHelpTop, helpBodyRows, helpLines } from '../state/help-lines.js';
import { paneLayout } from '../state/pane-layout.js';
import { messageLength } from '../state/split-message.js';
import { Header } from './Header.js';
import { HelpOverlay } from './HelpOverlay.js';
import { HintLine } from './HintLine.js';
import { InputLine } from './InputLine.js';
import { MemberList } from './MemberList.js';
import { MessagePane } from './MessagePane.js';
import { PasteQuestion } from './PasteQuestion.js';
import { RoomTabs } from './RoomTabs.js';
import { TypingLine } from './TypingLine.js';

/** Below this width the member list folds away. */
export const MEMBER_LIST_MIN_COLUMNS = 72;
const MEMBER_LIST_WIDTH = 18;
/** Header (2), tabs, typing line, input. */
const CHROME_ROWS = 5;

/** The whole screen: it wires the store's snapshot to the views and keys to actions. */
export function App({ store, size }: { store: ChatStore; size?: TerminalSize }) {
  const snap = useChatStore(store);
  const terminal = useTerminalSize();
  const { columns, rows } = size ?? terminal;
  const input = useInputLine();
  const { exit } = useApp();
  useBell(store);
  const paneHeight = Math.max(3, rows - CHROME_ROWS);
  const showMembers = columns >= MEMBER_LIST_MIN_COLUMNS && snap.active !== undefined;
  const paneWidth = showMembers ? columns - MEMBER_LIST_WIDTH : columns;
  // Rows per entry at this width: what scrolling counts; recomputed when the width changes.
  const layout = useMemo(() => paneLayout(snap.entries, paneWidth), [snap.entries, paneWidth]);
  // The first screen's hint stays until the user types (joining a room takes typing too).
  const [hint, setHint] = useState(true);
  const help = useMemo(() => helpLines(columns), [columns]);
  const [helpTop, setHelpTop] = useState(0);

  useEffect(() => {
    if (snap.quitting) exit();
  }, [snap.quitting, exit]);

  useInput((text, key) => {
    const cmd = keyCommand(text, key);
    if (cmd.type === 'insert' || cmd.type === 'lines') setHint(false);
    if (store.pasteWaiting) return answerPaste(store, cmd, () => input.take());
    if (store.getSnapshot().help) {
      const scrollBy = (n: number): void =>
        setHelpTop((t) =>
          clampHelpTop(clampHelpTop(t, help.length, paneHeight) + n, help.length, paneHeight),
        );
      return answerHelp(store, cmd, scrollBy, helpBodyRows(paneHeight), () => setHelpTop(0));
    }
    if (cmd.type !== 'complete') input.endCompletion();
    switch (cmd.type) {
      case 'complete':
        if (cmd.before) store.typing(input.insert(cmd.before) !== '');
        input.complete(() => store.completions(), cmd.dir);
        break;
      case 'submit':
        // Over the limit, the line stays where it is until the user says to split it.
        if (!store.askSplit(input.current())) void store.submit(input.take());
        break;
      case 'lines': {
        // Each line break is an Enter: the first completes what is typed already, the text
        // after the last stays in the line.
        input.insert(cmd.lines[0]!);
        const lines = [input.take(), ...cmd.lines.slice(1, -1)];
        store.typing(input.insert(cmd.lines.at(-1)!) !== '');
        void store.submitLines(lines);
        break;
      }
      case 'insert':
        if (input.current().length + cmd.text.length > INPUT_MAX_LENGTH) {
          store.info(
            `${cmd.text.length} characters not taken: the input line holds at most ${INPUT_MAX_LENGTH}`,
            'error',
          );
          break;
        }
        store.typing(input.insert(cmd.text) !== '');
        break;
      case 'backspace':
        store.typing(input.backspace() !== '');
        break;
      case 'clearLine':
        input.clear();
        store.typing(false);
        break;
      case 'deleteWord':
        input.deleteWord();
        break;
      case 'cursor':
        input.move(cmd.by);
        break;
      case 'historyPrev':
        input.recall(store.inputHistory, -1);
        break;
      case 'historyNext':
        input.recall(store.inputHistory, 1);
        break;
      case 'scroll':
        store.scroll(cmd.pages, layout, paneHeight);
        break;
      case 'scrollEnd':
        store.scrollToEnd();
        break;
      case 'nextRoom':
        store.switchBy(1);
        break;
      case 'prevRoom':
        store.switchBy(-1);
        break;
      case 'room':
        store.switchTo(cmd.index);
        break;
      case 'nextUnread':
        store.nextUnread();
        break;
      case 'quit':
        store.quit();
        break;
      case 'cancel':
      case 'none':
        break;
    }
  });

  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <Header
        server={snap.server}
        user={snap.user}
        instanceId={snap.instanceId}
        rttMs={snap.rttMs}
        label={snap.label}
        status={snap.status}
        width={columns}
      />
      <RoomTabs tabs={snap.tabs} width={columns} />
      {snap.help ? (
        <HelpOverlay lines={help} top={helpTop} height={paneHeight} width={columns} />
      ) : (
        <Box height={paneHeight} flexShrink={0}>
          <MessagePane
            entries={snap.entries}
            layout={layout}
            anchor={snap.scroll}
            newBelow={snap.newBelow}
            height={paneHeight}
            width={paneWidth}
          />
          {showMembers ? (
            <MemberList
              members={snap.members}
              count={snap.memberCount}
              me={snap.user}
              height={paneHeight}
              width={MEMBER_LIST_WIDTH}
            />
          ) : null}
        </Box>
      )}
      {hint && snap.typing.length === 0 ? <HintLine /> : <TypingLine typing={snap.typing} />}
      {snap.paste ? (
        <PasteQuestion
          lines={snap.paste.lines}
          room={snap.paste.room}
          splitFrom={snap.paste.splitFrom}
        />
      ) : (
        <InputLine
          room={snap.active}
          value={input.value}
          cursor={input.cursor}
          width={columns}
          length={messageLength(input.value)}
        />
      )}
    </Box>
  );
}

/**
 * While a paste waits: y or Enter sends it, n or Esc drops it, Ctrl-C quits; nothing else.
 * Text from the input line leaves it only when sent (`take`).
 */
function answerPaste(store: ChatStore, cmd: KeyCommand, take: () => string): void {
  if (cmd.type === 'submit' || (cmd.type === 'insert' && /^y$/i.test(cmd.text))) {
    if (store.pasteQuestion?.fromInput) take();
    void store.answerPaste(true);
  } else if (cmd.type === 'cancel' || (cmd.type === 'insert' && /^n$/i.test(cmd.text))) {
    void store.answerPaste(false);
  } else if (cmd.type === 'quit') {
    store.quit();
  }
}

/**
 * While the help overlay is open: Esc, q or Enter closes it; Up/Down and PgUp/PgDn scroll it;
 * Ctrl-C quits; nothing reaches the input line.
 */
function answerHelp(
  store: ChatStore,
  cmd: KeyCommand,
  scrollBy: (lines: number) => void,
  page: number,
  reset: () => void,
): void {
  if (
    cmd.type === 'cancel' ||
    cmd.type === 'submit' ||
    (cmd.type === 'insert' && cmd.text === 'q')
  ) {
    reset();
    store.showHelp(false);
  } else if (cmd.type === 'historyPrev') scrollBy(-1);
  else if (cmd.type === 'historyNext') scrollBy(1);
  else if (cmd.type === 'scroll') scrollBy(-cmd.pages * page);
  else if (cmd.type === 'quit') store.quit();
}
