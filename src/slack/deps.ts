import type { Logger } from '../logger';
import type { DeliveryWorker } from '../notify/deliveries';
import type { Clock } from '../services/clock';
import type { Installations } from '../services/installations';
import type { InteractionService } from '../services/interactions';
import type { MistakeService } from '../services/mistakes';
import type { MistakeQueries } from '../services/queries';
import type { SettingsService } from '../services/settings';
import type { ClickApplier } from './clicks';

/** What the listeners need: services to change things, queries to read, the outbox to send. */
export interface BotDeps {
  clock: Clock;
  logger: Logger;
  settings: SettingsService;
  mistakes: MistakeService;
  queries: MistakeQueries;
  deliveries: Pick<DeliveryWorker, 'kick'>;
  /** Clicks are stored here before they are answered, and applied from here. */
  interactions: InteractionService;
  clicks: Pick<ClickApplier, 'apply'>;
  /** OAuth mode: installations, marked revoked when the app is uninstalled from a workspace. */
  installations?: Pick<Installations, 'revoke'> | null;
}
