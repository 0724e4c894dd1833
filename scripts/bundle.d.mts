/** Program name (its path under dist/, without .js) -> its source. */
export declare const ENTRIES: Record<string, string>;
/** Bundles `entries` into `outdir` (see bundle.mjs). */
export declare function bundle(entries: Record<string, string>, outdir: string): Promise<void>;
