/**
 * The corpus: a small checked-in spec (corpus.json: families, seeds, fixed parameters) that expands in
 * memory into the traces `npm run bench:policy -- --corpus` runs. Only the spec is in the repository,
 * never the generated traces. Pure.
 */
import { z } from 'zod';
import { formatSchemaError } from '#domain/config/schema-issues';
import corpusJson from './corpus.json' with { type: 'json' };
import { familyNames, generateTrace, MAX_SEED } from './generate';
import type { Trace } from './trace';

const CorpusSchema = z
  .strictObject({
    description: z.string({ error: 'expected a description (a string)' }).default(''),
    entries: z
      .array(
        z.strictObject({
          family: z.string().refine((name) => familyNames.includes(name), {
            error: `expected a family: ${familyNames.join(', ')}`,
          }),
          seeds: z
            .array(
              z
                .number({ error: 'expected a seed (a whole number)' })
                .int({ error: 'expected a whole number' })
                .min(0, { error: 'expected a seed >= 0' })
                .max(MAX_SEED, { error: `expected a seed <= ${MAX_SEED}` }),
            )
            .min(1, { error: 'expected at least one seed' })
            .max(1000, { error: 'expected at most 1000 seeds per entry' }),
          /** Parameters fixed for every seed of the entry (validated when the traces are generated). */
          params: z.record(z.string(), z.unknown()).optional(),
        }),
      )
      .min(1, { error: 'expected at least one entry' })
      .max(1000, { error: 'expected at most 1000 entries' }),
  })
  .superRefine((corpus, ctx) => {
    const seen = new Set<string>();
    corpus.entries.forEach((entry, index) =>
      entry.seeds.forEach((seed, at) => {
        const name = corpusTraceName(entry.family, seed);
        if (seen.has(name))
          ctx.addIssue({
            code: 'custom',
            path: ['entries', index, 'seeds', at],
            message: `${name} is already in the corpus; expected each family and seed once`,
          });
        seen.add(name);
      }),
    );
  });

export type Corpus = z.output<typeof CorpusSchema>;

/** One trace of the corpus before it is generated: what `generateTrace` needs. */
export interface CorpusMember {
  readonly name: string;
  readonly family: string;
  readonly seed: number;
  readonly params: Readonly<Record<string, unknown>>;
}

/** A trace's name in the corpus. */
export function corpusTraceName(family: string, seed: number): string {
  return `${family}-${seed}`;
}

/** Validate a corpus spec. */
export function parseCorpus(
  value: unknown,
  source: string,
): { readonly ok: true; readonly corpus: Corpus } | { readonly ok: false; readonly errors: readonly string[] } {
  const result = CorpusSchema.safeParse(value);
  return result.success
    ? { ok: true, corpus: result.data }
    : { ok: false, errors: formatSchemaError(result.error, { source }) };
}

/** The checked-in corpus (simulator/corpus.json); throws if the file is invalid (a test keeps it valid). */
export function shippedCorpus(): Corpus {
  const parsed = parseCorpus(corpusJson, 'simulator/corpus.json');
  if (!parsed.ok) throw new Error(`invalid corpus:\n  ${parsed.errors.join('\n  ')}`);
  return parsed.corpus;
}

/** The corpus's members in spec order (entry by entry, seed by seed), not generated yet. */
export function corpusMembers(corpus: Corpus): readonly CorpusMember[] {
  return corpus.entries.flatMap((entry) =>
    entry.seeds.map((seed) => ({
      name: corpusTraceName(entry.family, seed),
      family: entry.family,
      seed,
      params: entry.params ?? {},
    })),
  );
}

/** Generate one member's trace; throws with every problem (an invalid member is a broken corpus). */
export function generateMember(member: CorpusMember): Trace {
  const result = generateTrace({ family: member.family, seed: member.seed, params: member.params, name: member.name });
  if (!result.ok) throw new Error(`corpus trace ${member.name}:\n  ${result.errors.join('\n  ')}`);
  return result.trace;
}

/** The member of that name (`<family>-<seed>`), or undefined. */
export function findCorpusMember(corpus: Corpus, name: string): CorpusMember | undefined {
  return corpusMembers(corpus).find((member) => member.name === name);
}
