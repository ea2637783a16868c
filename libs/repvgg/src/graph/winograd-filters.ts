import {
  winogradApplies,
  winogradConv2d,
  winogradFilter,
  type WinogradFilter,
} from '../compute/ops/winograd-conv.op';
import { tf } from '../compute/tf';
import { groupedConv2d, PAD_3X3 } from './grouped-conv';

/**
 * The Winograd transforms of a model's 3×3 kernel variables for inference, each made on first use
 * and again after the variable is assigned (assignment gives it a new dataId): predictions between
 * two assignments pay one transform per layer, not one per batch.
 */
export class WinogradFilterCache {
  private readonly entries = new Map<tf.Variable, { dataId: object; filter: WinogradFilter }>();

  filterOf(weight: tf.Variable<tf.Rank.R4>, groups: number): WinogradFilter {
    const cached = this.entries.get(weight);
    if (cached?.dataId === weight.dataId) return cached.filter;
    if (cached !== undefined) cached.filter.u.dispose();
    const filter = winogradFilter(weight, groups);
    tf.keep(filter.u);
    this.entries.set(weight, { dataId: weight.dataId, filter });
    return filter;
  }

  dispose(): void {
    for (const { filter } of this.entries.values()) filter.u.dispose();
    this.entries.clear();
  }
}

/**
 * A block's 3×3 convolution in inference: Winograd F(2×2, 3×3) where it applies (winogradApplies,
 * grouped or not), else tfjs's convolution. DeployModel runs its layers on the same kernel under the
 * same rule, so the fused-vs-multi-branch comparison measures the re-parameterization, not the
 * kernel.
 */
export function inferenceConv3x3(
  x: tf.Tensor4D,
  weight: tf.Variable<tf.Rank.R4>,
  stride: 1 | 2,
  groups: number,
  filters: WinogradFilterCache,
): tf.Tensor4D {
  if (winogradApplies(weight.shape, stride, groups)) {
    return winogradConv2d(x, filters.filterOf(weight, groups));
  }
  return groupedConv2d(x, weight, stride, PAD_3X3, groups);
}
