/**
 * HTTP for /admin/tokens: list tokens, issue one (shown once, on the response to the POST, never
 * cached), revoke one. The router has already checked that the visitor may manage users.
 */
import type { Request, Response } from 'express';
import { NotFoundError, type FieldError } from '../../shared/errors';
import { paths } from '../../shared/paths';
import { check, compileText } from '../../shared/validation';
import { errorSummary } from '../../shared/form-errors';
import { asText, pickFields } from '../../shared/form-input';
import { requestContext } from './accounts.controller';
import { ROLES, ROLE_LABELS, type Role } from './accounts.types';
import { pagination } from '../public-record/register.view-model';
import {
  checkIssueTokenForm,
  EXPIRY_CHOICES,
  ISSUE_TOKEN_MESSAGES,
  TokenIdParam,
  TokensQuery,
  type IssueTokenForm,
} from './api-tokens.schemas';
import type { ApiTokensService, TokenSummary } from './api-tokens.service';

const validateQuery = compileText<TokensQuery>(TokensQuery);
const validateId = compileText<TokenIdParam>(TokenIdParam);

const FIELDS = [
  'name',
  'owner',
  'userId',
  'serviceName',
  'role',
  'organisationId',
  'expiresInDays',
] as const;

const STATUS_TAGS: Record<TokenSummary['status'], { text: string; classes: string }> = {
  active: { text: 'Active', classes: 'govuk-tag--green' },
  expired: { text: 'Expired', classes: 'govuk-tag--grey' },
  revoked: { text: 'Revoked', classes: 'govuk-tag--red' },
};

const NOTICES: Record<string, string> = {
  revoked: 'Token revoked. It stops working at once.',
  already_revoked: 'That token was already revoked.',
};

const DATE_TIME = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric',
  month: 'long',
  year: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
  timeZone: 'Europe/London',
});
const when = (d: Date | null) => (d ? `${DATE_TIME.format(d)} (UK time)` : null);

function tokenView(t: TokenSummary) {
  return {
    id: t.id,
    name: t.name,
    hint: `${t.hint}…`,
    owner: t.ownerName,
    ownerHref: paths.admin.user(t.ownerId),
    ownerIsService: t.ownerKind === 'service',
    ownerDisabled: t.ownerDisabled,
    roleLabel: ROLE_LABELS[t.role],
    organisationName: t.organisationName,
    created: when(t.createdAt),
    expires: when(t.expiresAt),
    lastUsed: when(t.lastUsedAt),
    status: STATUS_TAGS[t.status],
    revocable: t.status === 'active',
    revokeAction: paths.adminTokens.revoke(t.id),
  };
}

const breadcrumbs = () => [
  { text: 'Workspace', href: paths.workspace() },
  { text: 'API tokens', href: paths.adminTokens.index() },
];

function noStore(res: Response): void {
  res.set('Cache-Control', 'no-store');
}

type Values = Record<(typeof FIELDS)[number], string>;

export function createApiTokensController(service: ApiTokensService) {
  async function renderForm(res: Response, status: number, values: Values, errors: FieldError[]) {
    const [owners, organisations] = await Promise.all([service.owners(), service.organisations()]);
    noStore(res);
    res.status(status).render('admin/token-new', {
      pageTitle: `${errors.length ? 'Error: ' : ''}Issue an API token`,
      breadcrumbs: breadcrumbs(),
      action: paths.adminTokens.issue(),
      values,
      ownerUser: values.owner === 'user',
      ownerService: values.owner === 'service',
      owners: [
        { value: '', text: 'Select an account', selected: values.userId === '' },
        ...owners.map((o) => ({
          value: String(o.id),
          text: `${o.name} (${o.kind === 'service' ? 'service account' : o.email}) – ${ROLE_LABELS[o.role]}`,
          selected: String(o.id) === values.userId,
        })),
      ],
      roles: ROLES.map((role, i) => ({
        id: i === 0 ? 'role' : `role-${i + 1}`,
        value: role,
        text: ROLE_LABELS[role],
        checked: role === values.role,
      })),
      organisations: [
        { value: '', text: 'Select an organisation', selected: values.organisationId === '' },
        ...organisations.map((o) => ({
          value: String(o.id),
          text: o.name,
          selected: String(o.id) === values.organisationId,
        })),
      ],
      expiries: EXPIRY_CHOICES.map((d) => ({
        value: d,
        text: d === '365' ? '1 year' : `${d} days`,
        selected: d === values.expiresInDays,
      })),
      ...errorSummary(errors, [...FIELDS]),
    });
  }

  return {
    async list(req: Request, res: Response) {
      const { page = 1 } = check(validateQuery, { ...req.query });
      const result = await service.list(page);
      const hrefFor = (n: number) => paths.adminTokens.index({ page: n === 1 ? undefined : n });
      noStore(res);
      res.render('admin/tokens', {
        pageTitle: page > 1 ? `API tokens (page ${page} of ${result.pageCount})` : 'API tokens',
        breadcrumbs: [{ text: 'Workspace', href: paths.workspace() }],
        tokens: result.items.map(tokenView),
        total: result.total,
        notice: NOTICES[String(req.query.done ?? '')],
        issueHref: paths.adminTokens.issue(),
        docsHref: paths.apiDocs(),
        pagination: pagination(page, result.pageCount, hrefFor),
      });
    },

    async showIssue(_req: Request, res: Response) {
      await renderForm(
        res,
        200,
        {
          name: '',
          owner: '',
          userId: '',
          serviceName: '',
          role: '',
          organisationId: '',
          expiresInDays: '90',
        },
        [],
      );
    },

    async issue(req: Request, res: Response) {
      const form = pickFields(req.body, FIELDS, ['name', 'serviceName']);
      const values = Object.fromEntries(FIELDS.map((f) => [f, asText(form[f])])) as Values;
      const errors: FieldError[] = checkIssueTokenForm.errors(form);
      const has = (field: string) => errors.some((e) => e.field === field);
      if (values.owner === 'user' && values.userId === '' && !has('userId'))
        errors.push({ field: 'userId', message: ISSUE_TOKEN_MESSAGES.userId });
      if (values.owner === 'service' && values.serviceName === '' && !has('serviceName'))
        errors.push({ field: 'serviceName', message: ISSUE_TOKEN_MESSAGES.serviceName });
      if (values.role === 'org_lead' && values.organisationId === '' && !has('organisationId'))
        errors.push({ field: 'organisationId', message: ISSUE_TOKEN_MESSAGES.organisationId });
      if (errors.length) return renderForm(res, 400, values, errors);
      const valid = form as IssueTokenForm;
      const outcome = await service.issue({
        actor: req.user!,
        name: valid.name,
        owner:
          valid.owner === 'user'
            ? { userId: Number(valid.userId) }
            : { serviceName: valid.serviceName },
        role: valid.role as Role,
        organisationId: valid.organisationId ? Number(valid.organisationId) : null,
        expiresInDays: Number(valid.expiresInDays),
        context: requestContext(req),
      });
      if (outcome.kind === 'invalid') return renderForm(res, 400, values, outcome.errors);
      noStore(res);
      res.render('admin/token-issued', {
        pageTitle: 'API token issued',
        breadcrumbs: breadcrumbs(),
        token: outcome.token,
        summary: tokenView(outcome.summary),
        tokensHref: paths.adminTokens.index(),
        docsHref: paths.apiDocs(),
      });
    },

    async revoke(req: Request, res: Response) {
      const params: Record<string, unknown> = { id: req.params.id };
      if (!validateId(params)) throw new NotFoundError('There is no API token with that id.');
      const revoked = await service.revoke({
        actor: req.user!,
        id: (params as TokenIdParam).id,
        context: requestContext(req),
      });
      res.redirect(303, paths.adminTokens.index({ done: revoked ? 'revoked' : 'already_revoked' }));
    },
  };
}
