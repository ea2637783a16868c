import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import {
  ArtifactNotFoundError,
  InvalidArtifactNameError,
} from '../repositories/artifact-name.error';
import { InvalidRequestError, JobConflictError, JobNotFoundError } from '../jobs/job.errors';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string;
  issues?: readonly { path: string; message: string }[];
}

function toBody(err: unknown): ErrorBody {
  if (err instanceof InvalidRequestError) {
    return { statusCode: 400, error: 'Bad Request', message: err.message, issues: err.issues };
  }
  if (err instanceof InvalidArtifactNameError) {
    return { statusCode: 400, error: 'Bad Request', message: err.message };
  }
  if (err instanceof JobNotFoundError || err instanceof ArtifactNotFoundError) {
    return { statusCode: 404, error: 'Not Found', message: err.message };
  }
  if (err instanceof JobConflictError) {
    return { statusCode: 409, error: 'Conflict', message: err.message };
  }
  if (err instanceof HttpException) {
    const r = err.getResponse();
    const detail = typeof r === 'string' ? r : (r as { message?: unknown }).message;
    const message = typeof detail === 'string' ? detail : err.message;
    return { statusCode: err.getStatus(), error: err.name.replace(/Exception$/, ''), message };
  }
  const parser = err as { status?: unknown; expose?: unknown; message?: unknown };
  if (typeof parser.status === 'number' && parser.status < 500 && parser.expose === true) {
    // body-parser's errors: malformed JSON (400), body over REPVGG_BODY_LIMIT (413), …
    return {
      statusCode: parser.status,
      error: parser.status === 413 ? 'Payload Too Large' : 'Bad Request',
      message:
        parser.status === 413
          ? 'request body too large: job specs are small JSON documents'
          : `invalid request body: ${String(parser.message)}`,
    };
  }
  return {
    statusCode: HttpStatus.INTERNAL_SERVER_ERROR,
    error: 'Internal Server Error',
    message: 'internal error: see the coordinator log',
  };
}

/** Answers with err's status and JSON body; handlers outside Nest's routes (e.g. /docs) use it too. */
export function sendError(res: ServerResponse, err: unknown): ErrorBody {
  const body = toBody(err);
  if (res.headersSent) {
    res.end();
    return body;
  }
  res.statusCode = body.statusCode;
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  res.end(JSON.stringify(body));
  return body;
}

/** Maps the typed errors of services and repositories onto HTTP statuses with a JSON body. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger(ErrorFilter.name);

  catch(err: unknown, host: ArgumentsHost): void {
    const body = sendError(host.switchToHttp().getResponse<ServerResponse>(), err);
    if (body.statusCode >= 500) this.logger.error((err as Error).stack ?? String(err));
  }
}
