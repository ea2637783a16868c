/** The coordinator's environment is unusable; the message is the one line printed before exiting. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}
