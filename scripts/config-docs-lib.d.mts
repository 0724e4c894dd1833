export function renderConfigSection(markdown: string, docPath: string): Promise<string>;
export function replaceConfigSection(
  doc: string,
  start: string,
  end: string,
  section: string,
  name?: string,
): string;
