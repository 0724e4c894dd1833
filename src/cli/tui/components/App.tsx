import { Box, Text, useApp } from 'ink';
import { useEffect, useMemo, useState } from 'react';
import { useBell } from '../hooks/use-bell.js';
import { useChatStore } from '../hooks/use-chat-store.js';
import { INPUT_MAX_LENGTH, useInputLine, type InputLine as Line } from '../hooks/use-input-line.js';
import { useKeys } from '../hooks/use-keys.js';
import { useTerminalSize, type TerminalSize } from '../hooks/use-terminal-size.js';
import { keyCommand, type KeyCommand } from '../keys.js';
import type { ChatStore } from '../state/chat-store.js';
import { clampHelpTop, helpBodyRows, helpLines } from '../state/help-lines.js';
import { paneLayout } from '../state/pane-layout.js';
import { isLongPaste } from '../state/paste.js';
import { messageLength } from '../state/split-message.js';
import { announcesTyping } from '../state/typing-notice.js';
import { Header } from './Header.js';
import { HelpOverlay } from './HelpOverlay.js';
import { HintLine } from './HintLine.js';
import { InputLine, inputRows } from './InputLine.js';
import { LinksContext } from './links-context.js';
import { MemberList } from './MemberList.js';
import { MessagePane } from './MessagePane.js';
import { PasteQuestion, pasteQuestionRows } from './PasteQuestion.js';
import { RoomTabs } from './RoomTabs.js';
import { TypingLine } from './TypingLine.js';

/** Below this width the member list folds away. */
export const MEMBER_LIST_MIN_COLUMNS = 72;
const MEMBER_LIST_WIDTH = 18;
/** Header (2), tabs, typing line; then the input's rows. */
const CHROME_ROWS = 4;
/**
 * The smallest terminal drawn: 8 rows hold the chrome, the input line and 3 message rows;
 * 30 columns hold the longest connection state (`reconnecting, attempt 3 in 2 s`, which the
 * header always shows) and leave 24 beside the time column. Below it, one message says so,
 * rather than a screen whose input line has been pushed off.
 */
export const MIN_COLUMNS = 30;
export const MIN_ROWS = 8;

/** The whole screen: it wires the store's snapshot to the views and keys to actions. */
export function App({ store, size }: { store: ChatStore; size?: TerminalSize }) {
  const snap = useChatStore(store);
  const terminal = useTerminalSize();
  const { columns, rows } = size ?? terminal;
  const input = useInputLine();
  const { exit } = useApp();
  useBell(store);
  // The input grows with the lines of the message being typed; a question may take two rows.
  const bottomRows = snap.paste
    ? pasteQuestionRows({ ...snap.paste, width: columns })
    : inputRows(input.value, rows);
  // A question of two rows at the smallest size takes one of the pane's three.
  const paneHeight = Math.max(2, rows - CHROME_ROWS - bottomRows);
  const tooSmall = columns < MIN_COLUMNS || rows < MIN_ROWS;
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

  // Text the store offers for the line (`/edit`, Alt-E) replaces what is typed.
  const draft = snap.draft;
  useEffect(() => {
    if (draft === undefined) return;
    input.clear();
    input.insert(draft.text);
    // Once per offer (a new object each time), not whenever the line's functions change.
  }, [draft]);

  useKeys((key) => {
    const cmd = keyCommand(key);
    // Nothing is typed into a line that cannot be seen; Ctrl-C still quits.
    if (tooSmall) {
      if (cmd.type === 'quit') store.quit();
      return;
    }
    if (cmd.type === 'insert' || cmd.type === 'lines' || cmd.type === 'paste') setHint(false);
    /** Announces typing, or that it stopped, for the line as it is now. */
    const typed = (line: string): void => store.typing(announcesTyping(line));
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
        typed(input.complete(() => store.completions(), cmd.dir));
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
        void store.submitLines(lines);
        typed(input.insert(cmd.lines.at(-1)!));
        break;
      }
      case 'paste': {
        // One unit: a short paste is typed (line breaks and all), a long one asks first.
        // Bounded as the input line is: a runaway paste is refused whole, visibly. Whole
        // lines copied end with a line break, which is not one more line.
        const text = cmd.text.endsWith('\n') ? cmd.text.slice(0, -1) : cmd.text;
        if (!isLongPaste(text) || text.length > INPUT_MAX_LENGTH) insert(store, input, text);
        else store.askPaste(text);
        break;
      }
      case 'insert':
        insert(store, input, cmd.text);
        break;
      case 'newline':
        insert(store, input, '\n');
        break;
      case 'backspace':
        typed(input.backspace());
        break;
      case 'clearLine':
        typed(input.clear());
        break;
      case 'deleteWord':
        typed(input.deleteWord());
        break;
      case 'cursor':
        input.move(cmd.by);
        break;
      case 'historyPrev':
        // In a message of several lines, Up and Down move between them first.
        if (!input.moveLine(-1)) typed(input.recall(store.inputHistory, -1));
        break;
      case 'historyNext':
        if (!input.moveLine(1)) typed(input.recall(store.inputHistory, 1));
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
      case 'editLast':
        store.tools.startEdit();
        break;
      case 'search': {
        // What is typed already (not a command) is what to look for.
        const typedText = input.current();
        input.clear();
        typed(input.insert(`/search ${typedText.startsWith('/') ? '' : typedText}`));
        break;
      }
      case 'quit':
        store.quit();
        break;
      case 'cancel':
      case 'none':
        break;
    }
  });

  if (tooSmall) {
    return (
      <Box width={columns} height={rows} overflow="hidden">
        <Text color="yellow">
          terminal too small ({columns}x{rows}; needs at least {MIN_COLUMNS}x{MIN_ROWS})
        </Text>
      </Box>
    );
  }

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
          <LinksContext.Provider value={store.links}>
            <MessagePane
              entries={snap.entries}
              layout={layout}
              anchor={snap.scroll}
              newBelow={snap.newBelow}
              height={paneHeight}
              width={paneWidth}
            />
          </LinksContext.Provider>
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
        <PasteQuestion {...snap.paste} width={columns} />
      ) : (
        <InputLine
          room={snap.active}
          value={input.value}
          cursor={input.cursor}
          width={columns}
          rows={bottomRows}
          length={messageLength(input.value)}
        />
      )}
    </Box>
  );
}

/** Types text at the cursor, unless the input line would overflow (said, not cut silently). */
function insert(store: ChatStore, input: Line, text: string): void {
  if (input.current().length + text.length > INPUT_MAX_LENGTH) {
    store.info(
      `${text.length} characters not taken: the input line holds at most ${INPUT_MAX_LENGTH}`,
      'error',
    );
    return;
  }
  store.typing(announcesTyping(input.insert(text)));
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
