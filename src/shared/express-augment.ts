/** What our middleware adds to every request: the session (if any) and the signed-in user (if any). */
import type { CurrentUser, Session } from '../modules/accounts/accounts.types';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The browser's session, anonymous or signed in; null when it has none. */
      trackerSession: Session | null;
      /** The signed-in user, only once sign-in (and two-factor, where required) is complete. */
      user: CurrentUser | null;
      /** A user who has passed the password step but not yet two-factor. */
      pendingUser: CurrentUser | null;
    }
  }
}

export {};
