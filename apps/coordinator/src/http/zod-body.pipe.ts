import type { PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { InvalidRequestError } from '../jobs/job.errors';

/** Validates a request body with a contracts schema; a failure names every bad field and why. */
export class ZodBodyPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly what: string,
  ) {}

  transform(value: unknown): z.output<S> {
    const parsed = this.schema.safeParse(value ?? {});
    if (parsed.success) return parsed.data;
    throw new InvalidRequestError(
      `invalid ${this.what}`,
      parsed.error.issues.map((i) => ({
        path: i.path.length === 0 ? '(body)' : i.path.map(String).join('.'),
        message: i.message,
      })),
    );
  }
}
