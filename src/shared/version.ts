import { packageVersion } from './package-files.js';

/** The package version, read once from chat-tui's package.json. */
export const VERSION: string = (() => {
  try {
    return packageVersion() ?? '0.0.0';
  } catch {
    return '0.0.0';
  }
})();
