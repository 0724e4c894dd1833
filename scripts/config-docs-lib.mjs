import prettier from 'prettier';

/** The markdown formatted as prettier formats the file it goes into (`docPath`). */
export async function renderConfigSection(markdown, docPath) {
  const options = (await prettier.resolveConfig(docPath)) ?? {};
  return (await prettier.format(markdown, { ...options, parser: 'markdown' })).trim();
}

/** The document with what lies between the markers replaced by `section`. */
export function replaceConfigSection(doc, start, end, section, name = 'the document') {
  const i = doc.indexOf(start);
  const j = doc.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${name}: markers ${start} ... ${end} not found`);
  return `${doc.slice(0, i + start.length)}\n\n${section}\n\n${doc.slice(j)}`;
}
