import type { ExtensionFields } from './fields.js';

/**
 * What a committed extension change needs applied. Its PJSIP objects are
 * always pushed alone (src/pbx/objects); files are rendered again only when a
 * field some file depends on may have changed.
 */

/**
 * Fields some rendered file depends on: the number (departments, queues and
 * destinations name it), enabled (queues.conf's static agents) and iax2Enabled
 * (iax.conf). The dialplan reads the rest at call time.
 */
const fileFields: readonly (keyof ExtensionFields)[] = ['number', 'enabled', 'iax2Enabled'];

/** Whether creating extensions can change a file: an IAX2 friend is a section of iax.conf; the dialplan has no block per extension. */
export const createChangesFiles = (rows: Pick<ExtensionFields, 'iax2Enabled'>[]) => rows.some((r) => r.iax2Enabled);

/** Deleting an extension also removes it from departments and queues, whose members the files list: always a full apply. */
export const deleteChangesFiles = () => true;

/** Whether an update can change a file: a file field changed, or the extension is an IAX2 friend (iax.conf holds most of its fields). */
export function updateChangesFiles(changed: readonly string[], before: Pick<ExtensionFields, 'iax2Enabled'>, after: Pick<ExtensionFields, 'iax2Enabled'>): boolean {
  return before.iax2Enabled || after.iax2Enabled || changed.some((field) => (fileFields as readonly string[]).includes(field));
}
