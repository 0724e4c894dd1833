/**
 * What follows a command's name on its line, spacing and line breaks kept (one separating
 * space or line break dropped): the text of `/edit`, `/search` and the like.
 */
export const textAfterName = (line: string): string => /^\S+\s?([\s\S]*)$/.exec(line)?.[1] ?? '';
