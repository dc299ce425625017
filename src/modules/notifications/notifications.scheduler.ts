/**
 * Runs the notifications tick every NOTIFICATIONS_INTERVAL_SECONDS on this instance. Every instance
 * may run it: creation is keyed and sending claims rows (see notifications.generate.ts and
 * email.outbox.ts), so several schedulers never create or send anything twice. A tick still running
 * when the next is due is not overlapped. Not started in tests, which call tick() themselves.
 * `alsoEachTick` runs after each tick: the audit chain's daily checkpoint (at most one a day, kept
 * once however many instances try; ADR 0010).
 */
import type { Logger } from '../../logger';
import type { NotificationsService } from './notifications.service';

export function startNotificationScheduler(
  service: NotificationsService,
  intervalSeconds: number,
  logger: Logger,
  alsoEachTick: () => Promise<unknown> = async () => undefined,
): () => Promise<void> {
  if (intervalSeconds <= 0) return async () => undefined;
  let running: Promise<unknown> | null = null;
  const run = () => {
    if (running) return;
    running = service
      .tick()
      .then((result) => {
        if (result.created || result.email.sent || result.email.failed)
          logger.info({ notifications: result }, 'notifications tick');
      })
      .catch((err: unknown) => logger.error({ err }, 'notifications tick failed'))
      .then(alsoEachTick)
      .catch((err: unknown) => logger.error({ err }, 'scheduled task failed'))
      .finally(() => {
        running = null;
      });
  };
  const timer = setInterval(run, intervalSeconds * 1000);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
  };
}
