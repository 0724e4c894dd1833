import { NAME_PATTERN } from '../../../protocol/index.js';

/** Where the ignore list is kept between runs (the client's settings file). */
export interface IgnoreStore {
  ignored: string[];
}

/**
 * The users `/ignore` hides: their messages and DMs are not drawn, counted or rung for. Names
 * are kept in lower case (as the server keeps user names); every change is saved at once.
 */
export class IgnoreList {
  private readonly users: Set<string>;
  /** Bumped on every change: what was built from the list (the pane, tab counts) is stale. */
  rev = 0;

  constructor(private readonly saved: IgnoreStore | undefined) {
    this.users = new Set((saved?.ignored ?? []).filter((u) => NAME_PATTERN.test(u)));
  }

  has(user: string): boolean {
    return this.users.size > 0 && this.users.has(user.toLowerCase());
  }

  get size(): number {
    return this.users.size;
  }

  /** Sorted, for `/ignore` alone. */
  get list(): string[] {
    return [...this.users].sort();
  }

  /** False when the user was ignored already (nothing changes). */
  add(user: string): boolean {
    return this.change(user, true);
  }

  /** False when the user was not ignored (nothing changes). */
  remove(user: string): boolean {
    return this.change(user, false);
  }

  private change(user: string, on: boolean): boolean {
    const u = user.toLowerCase();
    if (this.users.has(u) === on) return false;
    if (on) this.users.add(u);
    else this.users.delete(u);
    this.rev++;
    if (this.saved) this.saved.ignored = this.list;
    return true;
  }
}
