/**
 * HTTP for /admin/users: reads the request, asks the users service, renders a view. The router has
 * already checked that the visitor is signed in and may manage users. Links (invitations, password
 * resets) are shown once, on the response to the POST that made them, and never cached.
 */
import type { Request, Response } from 'express';
import { NotFoundError, type FieldError } from '../../shared/errors';
import { paths } from '../../shared/paths';
import { check, compileText } from '../../shared/validation';
import { requestContext } from './accounts.controller';
import { ROLE_LABELS, type CurrentUser } from './accounts.types';
import { pagination } from '../public-record/register.view-model';
import {
  checkInviteForm,
  checkRoleForm,
  ORGANISATION_NEEDED,
  UserIdParam,
  UsersQuery,
  type InviteForm,
  type RoleForm,
} from './users.schemas';
import type { ChangeOutcome, UsersService } from './users.service';
import { errorSummary } from '../../shared/form-errors';
import { asText, pickFields } from '../../shared/form-input';
import {
  NOTICES,
  LIST_NOTICES,
  dateAndTime,
  FIELD_ORDER,
  roleOptions,
  organisationOptions,
  userView,
  invitationView,
} from './users.view-model';

const validateUsersQuery = compileText<UsersQuery>(UsersQuery);
const validateUserId = compileText<UserIdParam>(UserIdParam);

const usersBreadcrumbs = () => [
  { text: 'Workspace', href: paths.workspace() },
  { text: 'Users', href: paths.admin.users() },
];

function noStore(res: Response): void {
  res.set('Cache-Control', 'no-store');
}

function invitationIdOf(req: Request): number {
  const params: Record<string, unknown> = { id: req.params.id };
  if (!validateUserId(params)) throw new NotFoundError('There is no invitation with that id.');
  return (params as UserIdParam).id;
}

function userIdOf(req: Request): number {
  const params: Record<string, unknown> = { id: req.params.id };
  if (!validateUserId(params)) throw new NotFoundError('There is no user with that id.');
  return (params as UserIdParam).id;
}

export function createUsersController(service: UsersService) {
  const actor = (req: Request): CurrentUser => req.user!;

  async function renderInvite(
    res: Response,
    status: number,
    values: { name?: string; email?: string; role?: string; organisationId?: string },
    errors: FieldError[] = [],
  ) {
    const organisations = await service.organisations();
    noStore(res);
    res.status(status).render('admin/invite', {
      pageTitle: `${errors.length ? 'Error: ' : ''}Invite a user`,
      breadcrumbs: usersBreadcrumbs(),
      action: paths.admin.invite(),
      values,
      roles: roleOptions(values.role ?? ''),
      organisations: organisationOptions(organisations, values.organisationId ?? ''),
      ...errorSummary(errors, FIELD_ORDER),
    });
  }

  async function renderUser(
    req: Request,
    res: Response,
    status: number,
    options: {
      values?: { role: string; organisationId: string };
      errors?: FieldError[];
      refusal?: string;
    } = {},
  ) {
    const id = userIdOf(req);
    const [user, organisations] = await Promise.all([service.get(id), service.organisations()]);
    const values = options.values ?? {
      role: user.role,
      organisationId: user.organisationId ? String(user.organisationId) : '',
    };
    const errors = options.errors ?? [];
    const notice = status === 200 ? NOTICES[String(req.query.done ?? '')] : undefined;
    const summary = errorSummary(errors, FIELD_ORDER);
    if (options.refusal) summary.errorList.push({ text: options.refusal, href: '#actions' });
    noStore(res);
    res.status(status).render('admin/user', {
      pageTitle: `${summary.errorList.length ? 'Error: ' : ''}${user.name}`,
      breadcrumbs: usersBreadcrumbs(),
      user: userView(user),
      isSelf: user.id === actor(req).id,
      notice,
      refusal: options.refusal,
      roles: roleOptions(values.role),
      organisations: organisationOptions(organisations, values.organisationId),
      roleAction: paths.admin.userRole(user.id),
      disableAction: paths.admin.userDisable(user.id),
      enableAction: paths.admin.userEnable(user.id),
      resetLinkAction: paths.admin.userResetLink(user.id),
      ...summary,
    });
  }

  /** The users list, with the invitations not yet accepted; `refusal` when a change was refused. */
  async function renderList(req: Request, res: Response, status: number, refusal?: string) {
    const query: UsersQuery = status === 200 ? check(validateUsersQuery, { ...req.query }) : {};
    const page = query.page ?? 1;
    const [result, invitations] = await Promise.all([service.list(page), service.invitations()]);
    const hrefFor = (n: number) => paths.admin.users({ page: n === 1 ? undefined : n });
    noStore(res);
    res.status(status).render('admin/users', {
      pageTitle: `${refusal ? 'Error: ' : ''}${page > 1 ? `Users (page ${page} of ${result.pageCount})` : 'Users'}`,
      breadcrumbs: [{ text: 'Workspace', href: paths.workspace() }],
      notice: query.done ? LIST_NOTICES[query.done] : undefined,
      errorList: refusal ? [{ text: refusal, href: '#invitations' }] : [],
      users: result.items.map(userView),
      total: result.total,
      invitations: invitations.items.map(invitationView),
      pendingInvitations: invitations.pending,
      expiredInvitations: invitations.expired,
      invitationsShown: invitations.items.length,
      invitationsTotal: invitations.pending + invitations.expired,
      invitationsTruncated: invitations.items.length < invitations.pending + invitations.expired,
      firstItem: result.total === 0 ? 0 : (page - 1) * result.pageSize + 1,
      lastItem: Math.min(page * result.pageSize, result.total),
      pastTheEnd: result.items.length === 0 && result.total > 0 ? { firstHref: hrefFor(1) } : null,
      inviteHref: paths.admin.invite(),
      tokensHref: paths.adminTokens.index(),
      pagination: pagination(page, result.pageCount, hrefFor),
    });
  }

  /** After a change: back to the user's page with a notice, or the page again with the reason. */
  async function afterChange(
    req: Request,
    res: Response,
    outcome: ChangeOutcome,
    notices: { changed: string; unchanged: string },
    values?: { role: string; organisationId: string },
  ) {
    const id = userIdOf(req);
    if (outcome.kind === 'changed')
      return res.redirect(303, paths.admin.user(id, { done: notices.changed }));
    if (outcome.kind === 'unchanged')
      return res.redirect(303, paths.admin.user(id, { done: notices.unchanged }));
    if (outcome.kind === 'invalid')
      return renderUser(req, res, 400, { values, errors: outcome.errors });
    return renderUser(req, res, 409, { values, refusal: outcome.message });
  }

  return {
    async list(req: Request, res: Response) {
      await renderList(req, res, 200);
    },

    async resendInvitation(req: Request, res: Response) {
      const outcome = await service.resendInvitation({
        actor: actor(req),
        invitationId: invitationIdOf(req),
        context: requestContext(req),
      });
      if (outcome.kind === 'refused') return renderList(req, res, 409, outcome.message);
      noStore(res);
      res.render('admin/invited', {
        pageTitle: 'Invitation sent again',
        heading: 'Invitation sent again',
        resent: true,
        breadcrumbs: usersBreadcrumbs(),
        invitation: {
          name: outcome.invitation.name,
          email: outcome.invitation.email,
          roleLabel: ROLE_LABELS[outcome.invitation.role],
          organisationName: outcome.invitation.organisationName,
        },
        link: outcome.url,
        expires: dateAndTime(outcome.expiresAt),
        usersHref: paths.admin.users(),
        inviteHref: paths.admin.invite(),
      });
    },

    async revokeInvitation(req: Request, res: Response) {
      const outcome = await service.revokeInvitation({
        actor: actor(req),
        invitationId: invitationIdOf(req),
        context: requestContext(req),
      });
      if (outcome.kind === 'refused') return renderList(req, res, 409, outcome.message);
      res.redirect(303, paths.admin.users({ done: 'invitation_revoked' }));
    },

    async showInvite(_req: Request, res: Response) {
      await renderInvite(res, 200, {});
    },

    async invite(req: Request, res: Response) {
      const form = pickFields(
        req.body,
        ['name', 'email', 'role', 'organisationId'],
        ['name', 'email'],
      );
      const values = {
        name: asText(form.name),
        email: asText(form.email),
        role: asText(form.role),
        organisationId: asText(form.organisationId),
      };
      const errors = checkInviteForm.errors(form);
      if (values.role === 'org_lead' && values.organisationId === '')
        errors.push({ field: 'organisationId', message: ORGANISATION_NEEDED });
      if (errors.length) return renderInvite(res, 400, values, errors);
      const valid = form as InviteForm;
      const outcome = await service.invite({
        actor: actor(req),
        name: valid.name,
        email: valid.email,
        role: valid.role,
        organisationId: valid.organisationId ? Number(valid.organisationId) : null,
        context: requestContext(req),
      });
      if (outcome.kind === 'invalid') return renderInvite(res, 400, values, outcome.errors);
      noStore(res);
      res.render('admin/invited', {
        pageTitle: 'Invitation link created',
        breadcrumbs: usersBreadcrumbs(),
        invitation: {
          name: valid.name,
          email: valid.email,
          roleLabel: ROLE_LABELS[valid.role],
          organisationName: outcome.organisationName,
        },
        link: outcome.url,
        expires: dateAndTime(outcome.expiresAt),
        usersHref: paths.admin.users(),
        inviteHref: paths.admin.invite(),
      });
    },

    async show(req: Request, res: Response) {
      await renderUser(req, res, 200);
    },

    async changeRole(req: Request, res: Response) {
      const id = userIdOf(req);
      const form = pickFields(req.body, ['role', 'organisationId']);
      const values = { role: asText(form.role), organisationId: asText(form.organisationId) };
      const errors = checkRoleForm.errors(form);
      if (values.role === 'org_lead' && values.organisationId === '')
        errors.push({ field: 'organisationId', message: ORGANISATION_NEEDED });
      if (errors.length) return renderUser(req, res, 400, { values, errors });
      const valid = form as RoleForm;
      const outcome = await service.changeRole({
        actor: actor(req),
        userId: id,
        role: valid.role,
        organisationId: valid.organisationId ? Number(valid.organisationId) : null,
        context: requestContext(req),
      });
      await afterChange(
        req,
        res,
        outcome,
        { changed: 'role_changed', unchanged: 'role_unchanged' },
        values,
      );
    },

    async disable(req: Request, res: Response) {
      const outcome = await service.disable({
        actor: actor(req),
        userId: userIdOf(req),
        context: requestContext(req),
      });
      await afterChange(req, res, outcome, { changed: 'disabled', unchanged: 'already_disabled' });
    },

    async enable(req: Request, res: Response) {
      const outcome = await service.enable({
        actor: actor(req),
        userId: userIdOf(req),
        context: requestContext(req),
      });
      await afterChange(req, res, outcome, { changed: 'enabled', unchanged: 'already_enabled' });
    },

    async createResetLink(req: Request, res: Response) {
      const id = userIdOf(req);
      const outcome = await service.createResetLink({
        actor: actor(req),
        userId: id,
        context: requestContext(req),
      });
      if (outcome.kind === 'refused')
        return renderUser(req, res, 409, { refusal: outcome.message });
      const user = await service.get(id);
      noStore(res);
      res.render('admin/reset-link', {
        pageTitle: 'Password reset link created',
        breadcrumbs: [...usersBreadcrumbs(), { text: user.name, href: paths.admin.user(id) }],
        user: userView(user),
        link: outcome.url,
        expires: dateAndTime(outcome.expiresAt),
      });
    },
  };
}
