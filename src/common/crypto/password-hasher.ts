import { Injectable } from '@nestjs/common';
import { compare, hash } from 'bcrypt';
import { AppConfig } from '../../config/app-config';

/** bcrypt only reads 72 bytes; longer passwords are refused rather than silently truncated. */
export const BCRYPT_MAX_BYTES = 72;

/**
 * bcrypt through the native addon's async API: hashing runs on libuv's thread pool, never on the event loop.
 */
@Injectable()
export class PasswordHasher {
  /** A hash of a random string at the configured cost, compared against when the user does not exist. */
  private readonly dummyHash: Promise<string>;

  constructor(private readonly config: AppConfig) {
    this.dummyHash = hash(`dummy-${Math.random()}`, config.bcryptRounds);
  }

  hash(password: string): Promise<string> {
    return hash(password, this.config.bcryptRounds);
  }

  verify(password: string, passwordHash: string): Promise<boolean> {
    return compare(password, passwordHash);
  }

  /** Spends the same time as a real comparison, so that unknown users cannot be told from wrong passwords. */
  async verifyAgainstNothing(password: string): Promise<false> {
    await compare(password, await this.dummyHash);
    return false;
  }
}
