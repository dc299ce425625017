/**
 * What notifications add to other contexts' pages, asked for by those pages: the "get updates by
 * email" link on a recommendation's public page, and the unread count on the signed-in workspace.
 */
import { paths } from '../../shared/paths';
import type { NotificationsService } from './notifications.service';

/** views/partials/notifications/follow-recommendation: the same for every visitor. */
export function followLinkFor(ref: string): { followRecommendationHref: string } {
  return { followRecommendationHref: paths.follow.form(ref) };
}

export interface NotificationsLink {
  href: string;
  unread: number;
}

/** The workspace's link to the notifications list, with how many are unread (per person). */
export async function notificationsLinkFor(
  notifications: Pick<NotificationsService, 'unreadCount'>,
  userId: number,
): Promise<NotificationsLink> {
  return { href: paths.notifications.index(), unread: await notifications.unreadCount(userId) };
}
