import type { CreateOutcome, SecretDraft } from '@repvgg/contracts/kubernetes/secret.repository';
import { BOOTSTRAP_SECRETS } from './bootstrap-secret-drafts';

/** The part of SecretRepository the bootstrap uses. */
export interface SecretStore {
  readonly namespace: string;
  exists(name: string): Promise<boolean>;
  create(secret: SecretDraft): Promise<CreateOutcome>;
}

/**
 * Creates each Secret of BOOTSTRAP_SECRETS that `store` lacks (GET 404 → POST), leaving every one
 * that exists as it is (GET 200), also one another client created between our GET and POST (409):
 * running it again, or twice at once, changes nothing. One line per Secret to `say`.
 */
export async function bootstrapSecrets(
  store: SecretStore,
  say: (line: string) => void,
): Promise<void> {
  for (const planned of BOOTSTRAP_SECRETS) {
    const where = `secret ${store.namespace}/${planned.name}`;
    if (await store.exists(planned.name)) {
      say(`${where} exists: left as it is`);
      continue;
    }
    const outcome = await store.create(planned.make());
    say(
      outcome === 'created'
        ? `${where} created`
        : `${where} was created meanwhile by another client (409): left as it is`,
    );
  }
}
