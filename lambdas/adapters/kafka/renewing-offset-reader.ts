import { describeError } from '#domain/errors';
import type { GroupReadResult } from '#domain/lag/snapshot';
import type { GroupSelection, OffsetReader } from '#ports/offset-reader';
import { isAuthenticationFailure } from './errors';

/**
 * An OffsetReader built on first use and built again, from credentials read again, when Kafka
 * rejects the ones it has: after a secret rotation a warm container's client would otherwise keep
 * the old password (and every tick would hold) until a cold start. A call is tried once more with
 * the new reader; a reader that cannot be built fails the call and is built again on the next one.
 */
export class RenewingOffsetReader implements OffsetReader {
  private current: Promise<OffsetReader> | undefined;

  constructor(
    private readonly build: () => Promise<OffsetReader>,
    private readonly onRenew: (reason: string) => void = () => undefined,
  ) {}

  async read(groups: readonly GroupSelection[]): Promise<readonly GroupReadResult[]> {
    return await this.withRenewal((reader) => reader.read(groups));
  }

  async listGroups(): Promise<readonly string[]> {
    return await this.withRenewal((reader) => reader.listGroups());
  }

  async close(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    await (await current?.catch(() => undefined))?.close();
  }

  private async withRenewal<T>(call: (reader: OffsetReader) => Promise<T>): Promise<T> {
    try {
      return await call(await this.reader());
    } catch (error) {
      if (!isAuthenticationFailure(error)) throw error;
      this.onRenew(describeError(error));
      await this.close();
      try {
        return await call(await this.reader());
      } catch (again) {
        // Still rejected: the next call reads the credentials once more rather than reuse these.
        if (isAuthenticationFailure(again)) await this.close();
        throw again;
      }
    }
  }

  private async reader(): Promise<OffsetReader> {
    const building = this.current ?? this.build();
    this.current = building;
    try {
      return await building;
    } catch (error) {
      if (this.current === building) this.current = undefined;
      throw error;
    }
  }
}
