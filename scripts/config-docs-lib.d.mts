export function renderConfigSection(markdown: string, readmePath: string): Promise<string>;
export function replaceConfigSection(
  readme: string,
  start: string,
  end: string,
  section: string,
): string;
