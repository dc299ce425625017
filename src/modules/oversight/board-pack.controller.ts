/**
 * HTTP for the board pack page: reads the period, asks the service, renders. The form sends each
 * date in three boxes (from-day, from-month, from-year); links and bookmarks may send
 * from=YYYY-MM-DD and to=YYYY-MM-DD. Bad or reversed dates re-show the period form with a 400 and
 * what to fix, keeping what the user typed.
 */
import type { Request, Response } from 'express';
import { paths } from '../../shared/paths';
import { readDateFields } from '../../shared/date-input';
import { ValidationError } from '../../shared/errors';
import { errorSummary } from '../../shared/form-errors';
import { asText } from '../../shared/form-input';
import { authorise } from '../accounts/policy';
import type { BoardPackService } from './board-pack.service';
import { boardPackView } from './board-pack.view-model';
import { renderKeptBody } from '../../shared/response-cache/kept-body';
import type { VersionMemo } from '../../shared/response-cache/version-memo';

const breadcrumbs = [{ text: 'Your workspace', href: paths.workspace() }];
const FIELD_ORDER = ['from', 'to'] as const;
const PERIOD_DATES = [
  { name: 'from', label: 'The start date' },
  { name: 'to', label: 'The end date' },
];

export function createBoardPackController(service: BoardPackService, memo?: VersionMemo) {
  return {
    async page(req: Request, res: Response) {
      // Check the role first, so a force lead gets 403 whatever dates they typed.
      authorise(req.user, 'oversight.view');
      const dates = readDateFields(req.query, PERIOD_DATES);
      const typed = { from: asText(dates.body.from), to: asText(dates.body.to) };
      let period;
      try {
        if (dates.errors.length) throw new ValidationError(dates.errors);
        period = service.period(dates.body);
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        res.status(400).render('board-pack/index', {
          pageTitle: 'Error: Board pack',
          breadcrumbs,
          form: { action: paths.boardPack.page(), values: typed },
          ...errorSummary(err.errors, FIELD_ORDER),
        });
        return;
      }
      const chosen = period;
      // The same pack for everyone allowed to read it (checked above): rendered once per version.
      await renderKeptBody(req, res, memo, 'workspace', service.today(), async () => ({
        view: 'board-pack/index',
        locals: {
          pageTitle: 'Board pack',
          breadcrumbs,
          form: { action: paths.boardPack.page(), values: chosen },
          apiHref: paths.boardPack.api(chosen),
          pack: boardPackView(await service.pack(req.user, chosen)),
        },
      }));
    },
  };
}
