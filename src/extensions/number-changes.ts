/** What happened to the numbers of extensions, for what is kept under a number outside the database (mailbox folders, astdb keys). */
export type NumberChanges = {
  /** Numbers of deleted extensions. */
  released?: readonly string[];
  /** Extensions that took another number. */
  renumbered?: readonly { from: string; to: string }[];
};

/** Told by the extension service once a change is committed; it logs what it cannot do and never fails the change. */
export type NumberChangeFollower = { apply(changes: NumberChanges): Promise<void> };
