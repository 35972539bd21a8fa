import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WireReader, WireWriter } from '#adapters/kafka/wire/codec';

describe('WireWriter / WireReader (flexible encoding primitives)', () => {
  it('unsigned varints round-trip over the whole 32-bit range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (n) => {
        const bytes = new WireWriter().uvarint(n).toBuffer();
        expect(new WireReader(bytes, 'test').uvarint()).toBe(n);
      }),
    );
  });

  it('compact strings, nullable strings and arrays round-trip', () => {
    fc.assert(
      fc.property(fc.array(fc.string()), fc.option(fc.string(), { nil: null }), (items, nullable) => {
        const bytes = new WireWriter()
          .compactArray(items, (w, s) => w.compactString(s))
          .compactNullableString(nullable)
          .tags()
          .toBuffer();
        const reader = new WireReader(bytes, 'test');
        expect(reader.compactArray((r) => r.compactString())).toEqual(items);
        expect(reader.compactNullableString()).toBe(nullable);
        reader.tags();
        expect(reader.remaining()).toHaveLength(0);
      }),
    );
  });

  it('skips unknown tagged fields (a newer broker may add them)', () => {
    // two tagged fields: tag 0 with 2 bytes, tag 5 with 1 byte; then an int32
    const bytes = Buffer.from([2, 0, 2, 0xaa, 0xbb, 5, 1, 0xcc, 0, 0, 0, 7]);
    const reader = new WireReader(bytes, 'test');
    reader.tags();
    expect(reader.int32()).toBe(7);
  });

  it('a varint longer than 5 bytes is malformed, not a hang', () => {
    const bytes = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(() => new WireReader(bytes, 'Test v1').uvarint()).toThrow(/malformed Test v1 response: a varint longer/);
  });

  it('an array longer than the body is malformed before anything is allocated', () => {
    const bytes = new WireWriter().uvarint(1_000_001).toBuffer();
    expect(() => new WireReader(bytes, 'Test v1').compactArray((r) => r.int32())).toThrow(/an array of 1000000 items/);
  });
});
