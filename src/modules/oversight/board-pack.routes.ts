/**
 * /workspace/board-pack: the printable pack for the Public Accountability Board, for those allowed
 * 'oversight.view'. A signed-out visitor is sent to sign in; a force lead gets 403.
 */
import { Router } from 'express';
import type { VersionMemo } from '../../shared/response-cache/version-memo';
import { routes } from '../../shared/paths';
import { requireSignIn } from '../accounts/workspace.routes';
import { createBoardPackController } from './board-pack.controller';
import type { BoardPackService } from './board-pack.service';

export function createBoardPackRouter(service: BoardPackService, memo?: VersionMemo): Router {
  const c = createBoardPackController(service, memo);
  const router = Router();
  router.get(routes.boardPack.page, requireSignIn, c.page);
  return router;
}
