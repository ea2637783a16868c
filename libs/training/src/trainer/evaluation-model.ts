import type { Architecture, StateDict } from '@repvgg/core';
import { DeployModel } from '@repvgg/core/graph/deploy-model';
import { reparameterize } from '@repvgg/core/reparam/reparameterize';

/**
 * The model validation measures: the fused deploy model of the training weights, the one a deploy
 * bundle ships. The epoch's metrics are then the bundle's own (`repvgg evaluate` reproduces them
 * exactly), not those of the multi-branch model, which differ from it by float rounding.
 */
export function evaluationModel(arch: Architecture, trainSd: StateDict): DeployModel {
  return DeployModel.fromStateDict(arch, reparameterize(arch, trainSd));
}
