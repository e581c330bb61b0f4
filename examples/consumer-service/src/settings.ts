/** What the consumer needs to know about the user-management service. */
export class ConsumerSettings {
  /** Base URL of the user-management service, e.g. http://localhost:3000. */
  serviceUrl: string;
  /** An API key with the tokens:introspect scope: logouts and revocations are refused at once. */
  introspectionApiKey?: string;
  /** How often at most the JWKS is refetched for an unknown kid (ms). */
  jwksCooldownMs?: number;
}
