import { Prisma } from '../generated/prisma/client';

/**
 * Another writer inserted the same unique key first (a second replica, a repeated Slack
 * delivery): the callers treat that as "already there", not as a failure.
 */
export function isUniqueViolation(error: unknown): boolean {
  return error instanceof Prisma.PrismaClientKnownRequestError && error.code === 'P2002';
}
