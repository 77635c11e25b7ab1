import { Prisma } from '../generated/prisma/client';

/**
 * Another writer inserted the same unique key first (a second replica, a repeated Slack
 * delivery): the callers treat that as "already there", not as a failure. A model query says so
 * with P2002; a statement written as SQL fails with P2010 and the driver's own account of it.
 */
export function isUniqueViolation(error: unknown): boolean {
  if (!(error instanceof Prisma.PrismaClientKnownRequestError)) return false;
  if (error.code === 'P2002') return true;
  const meta = error.meta as { driverAdapterError?: { cause?: { kind?: string } } } | undefined;
  return error.code === 'P2010' && meta?.driverAdapterError?.cause?.kind === 'UniqueConstraintViolation';
}
