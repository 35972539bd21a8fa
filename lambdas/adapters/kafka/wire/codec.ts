/**
 * The Kafka wire format's primitive types, for the few requests kafkajs does not implement
 * (ConsumerGroupDescribe, batched FindCoordinator, multi-group OffsetFetch). All of them use the
 * flexible encoding (KIP-482): compact strings and arrays (length + 1 as an unsigned varint) and a
 * tagged-field section after every struct, which we write empty and skip when reading.
 */
import { KafkaProtocolError } from '../errors';

/** Builds one request body. */
export class WireWriter {
  private readonly chunks: Buffer[] = [];

  int8(value: number): this {
    const b = Buffer.alloc(1);
    b.writeInt8(value);
    return this.push(b);
  }

  int16(value: number): this {
    const b = Buffer.alloc(2);
    b.writeInt16BE(value);
    return this.push(b);
  }

  int32(value: number): this {
    const b = Buffer.alloc(4);
    b.writeInt32BE(value);
    return this.push(b);
  }

  boolean(value: boolean): this {
    return this.int8(value ? 1 : 0);
  }

  uvarint(value: number): this {
    const bytes: number[] = [];
    let rest = value >>> 0;
    while (rest >= 0x80) {
      bytes.push((rest & 0x7f) | 0x80);
      rest >>>= 7;
    }
    bytes.push(rest);
    return this.push(Buffer.from(bytes));
  }

  compactString(value: string): this {
    const bytes = Buffer.from(value, 'utf8');
    return this.uvarint(bytes.length + 1).push(bytes);
  }

  compactNullableString(value: string | null): this {
    return value === null ? this.uvarint(0) : this.compactString(value);
  }

  compactArray<T>(items: readonly T[], write: (writer: this, item: T) => void): this {
    this.uvarint(items.length + 1);
    for (const item of items) write(this, item);
    return this;
  }

  compactNullableArray<T>(items: readonly T[] | null, write: (writer: this, item: T) => void): this {
    return items === null ? this.uvarint(0) : this.compactArray(items, write);
  }

  /** An empty tagged-field section (we never send tagged fields). */
  tags(): this {
    return this.uvarint(0);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks);
  }

  private push(bytes: Buffer): this {
    this.chunks.push(bytes);
    return this;
  }
}

/** Reads one response body; any read past the end is a protocol error naming the API. */
export class WireReader {
  private offset = 0;

  constructor(
    private readonly buffer: Buffer,
    private readonly api: string,
  ) {}

  int8(): number {
    return this.take(1, (at) => this.buffer.readInt8(at));
  }

  int16(): number {
    return this.take(2, (at) => this.buffer.readInt16BE(at));
  }

  int32(): number {
    return this.take(4, (at) => this.buffer.readInt32BE(at));
  }

  int64(): bigint {
    return this.take(8, (at) => this.buffer.readBigInt64BE(at));
  }

  boolean(): boolean {
    return this.int8() !== 0;
  }

  uuid(): string {
    return this.take(16, (at) => this.buffer.subarray(at, at + 16).toString('hex'));
  }

  uvarint(): number {
    let value = 0;
    for (let shift = 0; shift <= 28; shift += 7) {
      const byte = this.take(1, (at) => this.buffer.readUInt8(at));
      value |= (byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return value >>> 0;
    }
    throw this.malformed('a varint longer than 5 bytes');
  }

  compactString(): string {
    const value = this.compactNullableString();
    if (value === null) throw this.malformed('a null string where one is required');
    return value;
  }

  compactNullableString(): string | null {
    const length = this.uvarint() - 1;
    if (length < 0) return null;
    return this.take(length, (at) => this.buffer.toString('utf8', at, at + length));
  }

  compactNullableBytes(): Buffer | null {
    const length = this.uvarint() - 1;
    if (length < 0) return null;
    return this.take(length, (at) => this.buffer.subarray(at, at + length));
  }

  compactArray<T>(read: (reader: this) => T): T[] {
    return this.compactNullableArray(read) ?? [];
  }

  compactNullableArray<T>(read: (reader: this) => T): T[] | null {
    const length = this.uvarint() - 1;
    if (length < 0) return null;
    if (length > this.buffer.length - this.offset) throw this.malformed(`an array of ${length} items in a short body`);
    return Array.from({ length }, () => read(this));
  }

  /** A classic (non-flexible) string: int16 length, -1 for null. */
  classicNullableString(): string | null {
    const length = this.int16();
    if (length < 0) return null;
    return this.take(length, (at) => this.buffer.toString('utf8', at, at + length));
  }

  /** A classic (non-flexible) array: int32 count, -1 for null. */
  classicArray<T>(read: (reader: this) => T): T[] {
    const length = this.int32();
    if (length < 0) return [];
    if (length > this.buffer.length - this.offset) throw this.malformed(`an array of ${length} items in a short body`);
    return Array.from({ length }, () => read(this));
  }

  /** The bytes not read yet. */
  remaining(): Buffer {
    return this.buffer.subarray(this.offset);
  }

  /** Skips a tagged-field section (fields we do not know are ignorable by definition). */
  tags(): void {
    const count = this.uvarint();
    for (let i = 0; i < count; i++) {
      this.uvarint();
      const size = this.uvarint();
      this.take(size, () => undefined);
    }
  }

  private take<T>(size: number, read: (at: number) => T): T {
    if (this.offset + size > this.buffer.length) throw this.malformed(`${size} bytes past the end`);
    const value = read(this.offset);
    this.offset += size;
    return value;
  }

  private malformed(what: string): KafkaProtocolError {
    return new KafkaProtocolError(
      `malformed ${this.api} response: ${what} (at byte ${this.offset} of ${this.buffer.length}); the broker speaks a version we decode wrongly`,
      { retriable: false },
    );
  }
}
