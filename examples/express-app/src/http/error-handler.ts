import type { NextFunction, Request, Response } from 'express';
import type { AppDeps } from '../deps.js';
import { AppError, toAppError } from '../errors.js';
import { errorPage } from '../views/error-page.js';

export function notFound(_req: Request, _res: Response, next: NextFunction): void {
  next(new AppError('not_found'));
}

/**
 * The one place failures become responses: `{ error: { code, message } }` for the pages'
 * fetches, a plain page for navigations. Details of unexpected errors go to the log only.
 */
export function errorHandler(deps: AppDeps) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const { error, unexpected } = toAppError(err);
    if (unexpected) deps.log(`${req.method} ${req.path} failed`, err);
    if (res.headersSent) {
      res.end();
      return;
    }
    res.status(error.status);
    if (req.method === 'GET' && req.accepts(['html', 'json']) === 'html') {
      res.type('html').send(errorPage(deps, error.message));
    } else {
      res.json({ error: { code: error.code, message: error.message } });
    }
  };
}
