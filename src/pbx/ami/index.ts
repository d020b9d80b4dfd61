export { AmiClient, type AmiClientEvents, type AmiClientOptions, type AmiLogger } from './client.js';
export { listContacts, parseContactListEvent, parseSipUri, type PjsipContact } from './contacts.js';
export { AmiError, type AmiErrorCode } from './errors.js';
export { AmiFramer, type AmiFrame } from './framing.js';
export { formatAction, header, type AmiMessage } from './message.js';
