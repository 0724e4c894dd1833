import prettier from 'prettier';

/** The markdown formatted as prettier formats the README. */
export async function renderConfigSection(markdown, readmePath) {
  const options = (await prettier.resolveConfig(readmePath)) ?? {};
  return (await prettier.format(markdown, { ...options, parser: 'markdown' })).trim();
}

/** The README with what lies between the markers replaced by `section`. */
export function replaceConfigSection(readme, start, end, section) {
  const i = readme.indexOf(start);
  const j = readme.indexOf(end);
  if (i < 0 || j < i) throw new Error(`README.md: markers ${start} ... ${end} not found`);
  return `${readme.slice(0, i + start.length)}\n\n${section}\n\n${readme.slice(j)}`;
}
