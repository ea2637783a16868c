"""PyTorch yardstick for `npm run bench -- model`: RepVGG-A0 multi-branch (BN in eval mode) vs fused.

A dev-time yardstick, never part of the product. The two models run the same way the model bench
runs ours: one batch of each per pair, alternated, and the ratios are medians of the per-pair
ratios of multi-branch to fused time, on wall time and on process CPU time (all threads). The
multi-branch block is the official one in eval mode: relu(bn(conv3x3 x) + bn(conv1x1 x) [+ bn(x)]),
the fused block relu(conv3x3 x + b). Weights are random (speed does not depend on them).
Usage: /usr/bin/python3 bench/peer/inference_ratio_peer.py [--threads T] [--pairs N] [--batch B]
Prints one JSON object on stdout.
"""

import argparse
import json
import os
import statistics
import time

import torch
import torch.nn as nn

# The official training-time block (module names rbr_dense, rbr_1x1, rbr_identity), in eval mode here.
from fashion_mnist_peer import RepVGGBlock

# RepVGG-A0: blocks [2, 4, 14, 1], width multipliers 0.75 / 2.5 (docs/reference.md).
A0_BLOCKS = [2, 4, 14, 1]
A0_WIDTHS = [48, 96, 192, 1280]
A0_STEM = 48


class FusedBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.rbr_reparam = nn.Conv2d(cin, cout, 3, stride, 1, bias=True)

    def forward(self, x):
        return torch.relu(self.rbr_reparam(x))


def a0(block):
    layers = [block(3, A0_STEM, 2)]
    cin = A0_STEM
    for n, width in zip(A0_BLOCKS, A0_WIDTHS):
        for i in range(n):
            layers.append(block(cin, width, 2 if i == 0 else 1))
            cin = width
    return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, 1000)).eval()


def randomize_bn(model):
    for m in model.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.running_mean.uniform_(-0.1, 0.1)
            m.running_var.uniform_(0.5, 2.0)


def timed(model, x):
    c0, t0 = time.process_time(), time.perf_counter()
    model(x)
    return time.perf_counter() - t0, time.process_time() - c0


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--pairs", type=int, default=7)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--resolution", type=int, default=224)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    multi, fused = a0(RepVGGBlock), a0(FusedBlock)
    randomize_bn(multi)
    x = torch.randn(a.batch, 3, a.resolution, a.resolution)
    pairs = []
    with torch.no_grad():
        timed(multi, x)
        timed(fused, x)
        for _ in range(a.pairs):
            pairs.append((timed(multi, x), timed(fused, x)))
    wall = [m[0] / f[0] for m, f in pairs]
    cpu = [m[1] / f[1] for m, f in pairs]
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": a.threads,
                "batch": a.batch,
                "resolution": a.resolution,
                "pairs": a.pairs,
                "loadAverage": os.getloadavg()[0],
                "multiBranchMs": statistics.median(m[0] for m, _ in pairs) * 1000,
                "fusedMs": statistics.median(f[0] for _, f in pairs) * 1000,
                "speedupWall": statistics.median(wall),
                "speedupCpu": statistics.median(cpu),
            }
        )
    )


if __name__ == "__main__":
    main()
