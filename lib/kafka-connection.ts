import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';

/** SCRAM hash of a SASL/SCRAM login. */
export enum ScramMechanism {
  /** SCRAM-SHA-256. */
  SHA_256 = 'scram-sha-256',
  /** SCRAM-SHA-512 (MSK's SASL/SCRAM). */
  SHA_512 = 'scram-sha-512',
}

/** Options of MSK IAM authentication. */
export interface MskIamAuthOptions {
  /**
   * ARN of the MSK cluster (`arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>`); the function
   * is allowed to connect to it and to describe the watched groups and topics only.
   */
  readonly clusterArn: string;
  /**
   * Region of the cluster, when it differs from the function's.
   * @default - the function's own region
   */
  readonly region?: string;
}

/**
 * What the construct needs to configure the function and grant it access.
 * @internal
 */
export type KafkaAuthSpec =
  | { readonly type: 'none' }
  | { readonly type: 'sasl-scram'; readonly secret: secretsmanager.ISecret; readonly mechanism: ScramMechanism }
  | { readonly type: 'sasl-plain'; readonly secret: secretsmanager.ISecret }
  | ({ readonly type: 'msk-iam' } & MskIamAuthOptions);

/**
 * How the scaler authenticates to the brokers. Secrets hold `{"username": "...", "password": "..."}`
 * (MSK's convention); the function may read that one secret and nothing else.
 */
export class KafkaAuth {
  /** No authentication (PLAINTEXT or TLS without client authentication). */
  static none(): KafkaAuth {
    return new KafkaAuth({ type: 'none' });
  }

  /** SASL/SCRAM with the credentials in a Secrets Manager secret (MSK: port 9096, with TLS). */
  static saslScram(secret: secretsmanager.ISecret, mechanism: ScramMechanism = ScramMechanism.SHA_512): KafkaAuth {
    return new KafkaAuth({ type: 'sasl-scram', secret, mechanism });
  }

  /** SASL/PLAIN with the credentials in a Secrets Manager secret (use with TLS: PLAIN sends the password). */
  static saslPlain(secret: secretsmanager.ISecret): KafkaAuth {
    return new KafkaAuth({ type: 'sasl-plain', secret });
  }

  /** MSK IAM (SASL/OAUTHBEARER signed with the function's role; MSK: port 9098, with TLS). */
  static mskIam(options: MskIamAuthOptions): KafkaAuth {
    return new KafkaAuth({ type: 'msk-iam', ...options });
  }

  /** @internal */
  readonly _spec: KafkaAuthSpec;

  private constructor(spec: KafkaAuthSpec) {
    this._spec = spec;
  }
}

/** Where the brokers are and how to talk to them. */
export interface KafkaConnectionProps {
  /**
   * Bootstrap brokers, each `host:port`. A deploy-time token is accepted as is and must resolve to
   * a single `host:port`.
   */
  readonly bootstrapBrokers: readonly string[];
  /**
   * Use TLS to the brokers (MSK's SASL/SCRAM and IAM listeners require it).
   * @default false
   */
  readonly tls?: boolean;
  /**
   * How to authenticate.
   * @default KafkaAuth.none()
   */
  readonly auth?: KafkaAuth;
}
