/** HTTP for /admin/organisations: the list, and adding or changing an organisation. */
import type { Request, Response } from 'express';
import { errorSummary } from '../../shared/form-errors';
import { submitForm, type FormProblem } from '../../shared/form-submit';
import { paths } from '../../shared/paths';
import { requestContext } from '../accounts/accounts.controller';
import { HISTORY_LIMIT } from './register-admin.schemas';
import type { RegisterAdminService } from './register-admin.service';
import { historyView, kindLabel, kindOptions } from './register-admin.view-model';
import {
  type Values,
  ORGANISATION_FIELDS,
  NOTICES,
  noStore,
  actor,
  param,
  FRESH,
  changedNotice,
  organisationFormToInput,
  textValues,
  renderAdminList,
} from './register-admin.forms';

export function createOrganisationsController(service: RegisterAdminService) {
  async function renderOrganisationForm(
    req: Request,
    res: Response,
    values: Values,
    existing?: string,
    { status, errors }: FormProblem = FRESH,
  ) {
    const history = existing
      ? historyView((await service.organisation(actor(req), existing)).history)
      : [];
    noStore(res);
    const heading = existing ? 'Change the organisation' : 'Add an organisation';
    res.status(status).render('register-admin/organisation-form', {
      pageTitle: `${errors.length ? 'Error: ' : ''}${heading}`,
      breadcrumbs: [
        { text: 'Workspace', href: paths.workspace() },
        { text: 'Organisations', href: paths.admin.organisations() },
      ],
      heading,
      action: existing ? paths.admin.editOrganisation(existing) : paths.admin.newOrganisation(),
      values,
      kinds: kindOptions(values.kind ?? ''),
      notice: status === 200 ? NOTICES[String(req.query.done ?? '')] : undefined,
      existing: Boolean(existing),
      publicHref: existing ? paths.organisations.show(existing) : null,
      history,
      historyLimit: HISTORY_LIMIT,
      ...errorSummary(errors, ORGANISATION_FIELDS),
    });
  }

  return {
    async listOrganisations(req: Request, res: Response) {
      const rows = await service.listOrganisations(actor(req));
      renderAdminList(res, 'register-admin/organisations', {
        pageTitle: 'Manage organisations',
        newHref: paths.admin.newOrganisation(),
        organisations: rows.map((o) => ({
          name: o.name,
          slug: o.slug,
          kind: kindLabel(o.kind),
          href: paths.admin.editOrganisation(o.slug),
        })),
      });
    },

    async showNewOrganisation(req: Request, res: Response) {
      await renderOrganisationForm(req, res, {});
    },

    async createOrganisation(req: Request, res: Response) {
      await submitForm(
        res,
        async () => {
          const input = organisationFormToInput(req.body);
          const { slug } = await service.createOrganisation(actor(req), input, requestContext(req));
          return paths.admin.editOrganisation(slug, { done: 'created' });
        },
        (problem) =>
          renderOrganisationForm(
            req,
            res,
            textValues(req.body, ORGANISATION_FIELDS),
            undefined,
            problem,
          ),
      );
    },

    async showEditOrganisation(req: Request, res: Response) {
      const { organisation } = await service.organisation(actor(req), param(req, 'slug'));
      await renderOrganisationForm(
        req,
        res,
        { name: organisation.name, slug: organisation.slug, kind: organisation.kind },
        organisation.slug,
      );
    },

    async updateOrganisation(req: Request, res: Response) {
      const slug = param(req, 'slug');
      await submitForm(
        res,
        async () => {
          const input = organisationFormToInput(req.body);
          const result = await service.updateOrganisation(
            actor(req),
            slug,
            input,
            requestContext(req),
          );
          return paths.admin.editOrganisation(result.slug, changedNotice(result.changed));
        },
        (problem) =>
          renderOrganisationForm(
            req,
            res,
            textValues(req.body, ORGANISATION_FIELDS),
            slug,
            problem,
          ),
      );
    },
  };
}
