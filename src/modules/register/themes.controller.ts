/** HTTP for /admin/themes: the list, adding a theme, renaming it, retiring and reinstating it. */
import type { Request, Response } from 'express';
import { errorSummary } from '../../shared/form-errors';
import { asText, pickFields } from '../../shared/form-input';
import { submitForm, type FormProblem } from '../../shared/form-submit';
import { paths } from '../../shared/paths';
import { requestContext } from '../accounts/accounts.controller';
import { HISTORY_LIMIT } from './register-admin.schemas';
import type { RegisterAdminService } from './register-admin.service';
import { historyView } from './register-admin.view-model';
import {
  type Values,
  THEME_FIELDS,
  NOTICES,
  noStore,
  actor,
  param,
  FRESH,
  changedNotice,
  textValues,
  renderAdminList,
} from './register-admin.forms';

export function createThemesController(service: RegisterAdminService) {
  async function renderThemeForm(
    req: Request,
    res: Response,
    values: Values,
    existing?: string,
    { status, errors }: FormProblem = FRESH,
  ) {
    const page = existing ? await service.theme(actor(req), existing) : null;
    noStore(res);
    const heading = page ? `Change the theme ${page.theme.name}` : 'Add a theme';
    res.status(status).render('register-admin/theme-form', {
      pageTitle: `${errors.length ? 'Error: ' : ''}${heading}`,
      breadcrumbs: [
        { text: 'Workspace', href: paths.workspace() },
        { text: 'Themes', href: paths.admin.themes() },
      ],
      heading,
      action: existing ? paths.admin.editTheme(existing) : paths.admin.newTheme(),
      values,
      notice: status === 200 ? NOTICES[String(req.query.done ?? '')] : undefined,
      theme: page
        ? {
            slug: page.theme.slug,
            retired: page.theme.retired_at !== null,
            recommendations: page.recommendations,
            retireAction: paths.admin.retireTheme(page.theme.slug),
            reinstateAction: paths.admin.reinstateTheme(page.theme.slug),
          }
        : null,
      history: page ? historyView(page.history) : [],
      historyLimit: HISTORY_LIMIT,
      ...errorSummary(errors, THEME_FIELDS),
    });
  }

  return {
    async listThemes(req: Request, res: Response) {
      const rows = await service.listThemes(actor(req));
      renderAdminList(res, 'register-admin/themes', {
        pageTitle: 'Manage themes',
        newHref: paths.admin.newTheme(),
        themes: rows.map((t) => ({
          name: t.name,
          slug: t.slug,
          retired: t.retired_at !== null,
          recommendations: t.recommendations,
          href: paths.admin.editTheme(t.slug),
        })),
      });
    },

    async showNewTheme(req: Request, res: Response) {
      await renderThemeForm(req, res, {});
    },

    async createTheme(req: Request, res: Response) {
      await submitForm(
        res,
        async () => {
          const input = themeFormToInput(req.body, THEME_FIELDS);
          const { slug } = await service.createTheme(actor(req), input, requestContext(req));
          return paths.admin.editTheme(slug, { done: 'created' });
        },
        (problem) =>
          renderThemeForm(req, res, textValues(req.body, THEME_FIELDS), undefined, problem),
      );
    },

    async showEditTheme(req: Request, res: Response) {
      const { theme } = await service.theme(actor(req), param(req, 'slug'));
      await renderThemeForm(req, res, { name: theme.name }, theme.slug);
    },

    async renameTheme(req: Request, res: Response) {
      const slug = param(req, 'slug');
      await submitForm(
        res,
        async () => {
          const input = themeFormToInput(req.body, ['name']);
          const result = await service.renameTheme(actor(req), slug, input, requestContext(req));
          return paths.admin.editTheme(result.slug, changedNotice(result.changed));
        },
        (problem) => renderThemeForm(req, res, textValues(req.body, ['name']), slug, problem),
      );
    },

    async retireTheme(req: Request, res: Response) {
      const result = await service.setThemeRetired(
        actor(req),
        param(req, 'slug'),
        true,
        requestContext(req),
      );
      res.redirect(
        303,
        paths.admin.editTheme(result.slug, { done: result.changed ? 'retired' : 'unchanged' }),
      );
    },

    async reinstateTheme(req: Request, res: Response) {
      const result = await service.setThemeRetired(
        actor(req),
        param(req, 'slug'),
        false,
        requestContext(req),
      );
      res.redirect(
        303,
        paths.admin.editTheme(result.slug, { done: result.changed ? 'reinstated' : 'unchanged' }),
      );
    },
  };
}

function themeFormToInput(body: unknown, fields: readonly string[]): unknown {
  const f = pickFields(body, fields);
  return Object.fromEntries(fields.map((k) => [k, asText(f[k]).trim()]));
}
