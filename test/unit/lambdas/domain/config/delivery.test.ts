import { describe, expect, it } from 'vitest';
import { assembleConfig, referencePlaceholder, referencesOf } from '#domain/config/delivery';

const document = {
  kafka: { brokers: ['${LAGSCALER_REF_0}'], auth: { type: 'sasl-scram', secretArn: '${LAGSCALER_REF_1}' } },
  targets: [
    { group: 'billing', service: { cluster: '${LAGSCALER_REF_2}', service: '${LAGSCALER_REF_3}' } },
    { group: 'pharmacy', service: { cluster: 'hospital', service: 'pharmacy' }, policy: { maxTasks: 4 } },
  ],
};
const references = {
  LAGSCALER_REF_0: 'b-1.msk:9096,b-2.msk:9096',
  LAGSCALER_REF_1: 'arn:aws:secretsmanager:us-east-1:1:secret:AmazonMSK_x',
  LAGSCALER_REF_2: 'hospital-Cluster-1AbC',
  LAGSCALER_REF_3: 'billing-Service-2DeF',
};
const assemble = (doc: unknown, refs: Record<string, string>) =>
  assembleConfig({ documentJson: JSON.stringify(doc), documentSource: 's3://bucket/config.json', references: refs });

describe('configuration delivery (a document, and deploy-time values in the environment)', () => {
  it('puts the deploy-time values in place of their placeholders, then parses with the one schema', () => {
    const config = assemble(document, references);
    expect(config.kafka?.brokers).toEqual(['b-1.msk:9096', 'b-2.msk:9096']);
    expect(config.kafka?.auth).toMatchObject({ secretArn: references.LAGSCALER_REF_1 });
    expect(config.targets[0]?.service).toEqual({ cluster: 'hospital-Cluster-1AbC', service: 'billing-Service-2DeF' });
    expect(config.targets[1]?.policy.maxTasks).toBe(4);
  });

  it('names placeholders and variables the same way on both sides', () => {
    expect(referencePlaceholder(7)).toEqual({ variable: 'LAGSCALER_REF_7', placeholder: '${LAGSCALER_REF_7}' });
    expect(referencesOf({ LAGSCALER_REF_7: 'x', LAGSCALER_CONFIG_KEY: 'k', PATH: '/bin' })).toEqual({
      LAGSCALER_REF_7: 'x',
    });
  });

  it.each([
    [
      document,
      { ...references, LAGSCALER_REF_3: undefined },
      /targets\[0\]\.service\.service: names LAGSCALER_REF_3, which is not set/,
    ],
    ['{oops', references, /s3:\/\/bucket\/config\.json: not valid JSON/],
    [{ kafka: { brokers: ['a:1'] }, targets: [{ group: 'g' }] }, {}, /targets\[0\]\.service/],
  ])('names the field or the source and the problem (%#)', (doc, refs, message) => {
    const documentJson = typeof doc === 'string' ? doc : JSON.stringify(doc);
    const defined = Object.fromEntries(Object.entries(refs).filter(([, v]) => v !== undefined)) as Record<
      string,
      string
    >;
    expect(() =>
      assembleConfig({ documentJson, documentSource: 's3://bucket/config.json', references: defined }),
    ).toThrow(message);
  });
});
