import { Box, Text } from 'ink';
import { MESSAGE_MAX_LENGTH, roomLabel } from '../../../protocol/index.js';
import type { PasteQuestion as Question } from '../state/paste.js';

export interface PasteQuestionProps extends Question {
  room: string | undefined;
  width: number;
}

/** The question and its choices, as words. */
function words({ lines, room, splitFrom, pasted }: PasteQuestionProps) {
  const to = room ? ` to ${roomLabel(room)}` : '';
  const over = `over the ${MESSAGE_MAX_LENGTH} limit: send as ${lines} messages${to}?`;
  let question: string;
  if (splitFrom !== undefined)
    question = `${splitFrom}${pasted === undefined ? '' : ' pasted'} characters, ${over}`;
  else if (pasted !== undefined) question = `Send ${pasted} pasted lines${to} as one message?`;
  else question = `Send ${lines} pasted lines${to}, one message each?`;
  const choices = `y/Enter: send · n/Esc: ${splitFrom === undefined ? 'drop' : 'do not send'}`;
  return { question, choices };
}

/** Rows the question takes: one, or two when it and its choices do not fit side by side. */
export function pasteQuestionRows(props: PasteQuestionProps): number {
  const { question, choices } = words(props);
  return question.length + 1 + choices.length <= props.width ? 1 : 2;
}

/**
 * Asks, in place of the input line, before a long paste or an over-long message goes out.
 * The choices are always in view: when the question leaves no room for them on its row,
 * they take a row of their own.
 */
export function PasteQuestion(props: PasteQuestionProps) {
  const { question, choices } = words(props);
  const two = pasteQuestionRows(props) === 2;
  return (
    <Box flexShrink={0} flexDirection={two ? 'column' : 'row'}>
      <Text color="yellow" bold wrap="truncate-end">
        {question}
      </Text>
      <Text wrap="truncate-end">{two ? choices : ` ${choices}`}</Text>
    </Box>
  );
}
