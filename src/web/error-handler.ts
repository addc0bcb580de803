import type { NextFunction, Request, Response } from 'express';
import { ZodError } from 'zod';
import type { AppContext } from '../context';
import { AppError } from '../errors';
import { reportError } from '../observability/sentry';

/** The one place errors become HTTP: `{ error: { type, message, details? } }`. */
export function errorHandler(ctx: AppContext) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction) => {
    let status = 500;
    let body: { type: string; message: string; details?: unknown };
    if (err instanceof AppError) {
      status = err.status;
      body = { type: err.type, message: err.message, details: err.details };
    } else if (err instanceof ZodError) {
      status = 400;
      body = {
        type: 'invalid_input',
        message: err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
        details: err.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      };
    } else if (isHttpError(err)) {
      // body-parser and friends: malformed JSON, body too large, wrong content type.
      status = err.status;
      body = { type: status === 413 ? 'invalid_input' : 'invalid_input', message: err.expose ? err.message : 'Bad request' };
    } else {
      body = { type: 'unexpected_state', message: 'Something went wrong on our side; it has been logged.' };
    }
    if (status >= 500) {
      ctx.logger.error({ err, requestId: req.requestId, route: req.route?.path }, 'request failed');
      reportError(err, { requestId: req.requestId, route: req.route?.path });
    }
    if (body.details === undefined) delete body.details;
    res.status(status).json({ error: body });
  };
}

function isHttpError(e: unknown): e is { status: number; expose?: boolean; message: string } {
  return typeof e === 'object' && e !== null && typeof (e as { status?: unknown }).status === 'number' && (e as { status: number }).status < 500;
}
