import type { Config } from '../../config.js';
import type { Database } from '../../db/client.js';
import type { Logger } from '../../logger.js';
import { asteriskConnection } from '../../pbx/connection-settings.js';
import { AriRest } from './ari-rest.js';
import { PromptPhoneService, type PhoneAriEvents } from './service.js';

/** The prompt calls of one server: ARI's events from the server's connection, its requests over HTTP with the same credentials. */
export function createPromptPhoneService(config: Config, db: Database, ari: PhoneAriEvents | null, log: Logger): PromptPhoneService {
  const connection = asteriskConnection(config);
  const requests = config.asterisk.ariUrl ? new AriRest({ url: config.asterisk.ariUrl, username: connection.ariUsername, password: connection.ariPassword }) : null;
  return new PromptPhoneService({ db, ari, requests, app: config.asterisk.ariApp, soundsDir: config.soundsDir, log });
}
