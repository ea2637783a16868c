export { startCoordinator, type RunningCoordinator, type StartOptions } from './coordinator';
export { ConfigError } from './config/config.error';
export { loadCoordinatorConfig, type CoordinatorConfig } from './config/coordinator-config';
