import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'repvgg:public';

/** Marks a route reachable without a token (health probes only). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
