import { wireMessage, type FakeAmiServer } from './fake-ami-server.js';

/**
 * Asterisk 22's astdb behind a FakeAmiServer: DBGetTree, DBPut and DBDel
 * answered as main/db.c answers them (a tree is the key itself and every key
 * below it; deleting a missing key is an error).
 */
export class FakeAstdb {
  /** Full key (`/DND/101`) → value. */
  readonly entries = new Map<string, string>();

  constructor(ami: FakeAmiServer) {
    ami.on('DBPut', (request, connection) => {
      this.entries.set(`/${request.Family}/${request.Key}`, request.Val ?? '');
      return connection.send(wireMessage({ Response: 'Success', ActionID: request.ActionID ?? '', Message: 'Updated database successfully' }));
    });
    ami.on('DBDel', (request, connection) => {
      const deleted = this.entries.delete(`/${request.Family}/${request.Key}`);
      return connection.send(
        deleted
          ? wireMessage({ Response: 'Success', ActionID: request.ActionID ?? '', Message: 'Key deleted successfully' })
          : wireMessage({ Response: 'Error', ActionID: request.ActionID ?? '', Message: 'Database entry could not be deleted' }),
      );
    });
    ami.on('DBGetTree', (request, connection) => {
      const id = request.ActionID ?? '';
      const prefix = `/${request.Family}${request.Key ? `/${request.Key}` : ''}`;
      const rows = [...this.entries].filter(([key]) => key === prefix || key.startsWith(`${prefix}/`)).sort(([a], [b]) => a.localeCompare(b));
      return connection.send(
        wireMessage({ Response: 'Success', ActionID: id, EventList: 'start', Message: 'Result will follow' }) +
          rows.map(([key, value]) => wireMessage({ Event: 'DBGetTreeResponse', Key: key, Val: value, ActionID: id })).join('') +
          wireMessage({ Event: 'DBGetTreeComplete', ActionID: id, EventList: 'Complete', ListItems: String(rows.length) }),
      );
    });
  }

  get(family: string, key: string): string | undefined {
    return this.entries.get(`/${family}/${key}`);
  }

  set(family: string, key: string, value: string): void {
    this.entries.set(`/${family}/${key}`, value);
  }
}
