"""PyTorch peer of `repvgg train --dataset fashion-mnist` (libs/training/src/presets/fashion-mnist.preset.ts).

A dev-time yardstick for bench/peer.bench.ts, never part of the product. Same recipe:
RepVGG blocks [1, 2, 2, 1] x 0.25 (stage widths 16/16/32/64/128) on 28x28 grayscale images
replicated to 3 channels, global batch 128 as two BatchNorm replicas of 64 (each forward pass has
its own batch statistics, the gradients of the two are summed; the loss is the mean over the 128),
running statistics moved once per step by the mean of the replicas' statistics (momentum 0.1),
SGD momentum 0.9, lr 0.1 stepped per iteration: linear warm-up over round(0.5 epoch) steps, then
cosine to 0; weight decay 1e-4 except on keys containing 'bias' or 'bn'
(libs/training/src/optim/weight-decay.policy.ts); training augmentation: zero pad 2 + random 28x28
crop and a horizontal flip with probability 0.5, then normalization by the train split's pixel
mean/std. Only torch and numpy (no torchvision). Prints one JSON object on stdout.
"""

import argparse
import gzip
import json
import math
import os
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i : 8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def conv_bn(cin, cout, kernel, stride, padding):
    seq = nn.Sequential()
    seq.add_module("conv", nn.Conv2d(cin, cout, kernel, stride, padding, bias=False))
    seq.add_module("bn", nn.BatchNorm2d(cout))
    return seq


class RepVGGBlock(nn.Module):
    """The training-time block with the official module names (rbr_dense, rbr_1x1, rbr_identity)."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.rbr_identity = nn.BatchNorm2d(cout) if cin == cout and stride == 1 else None
        self.rbr_dense = conv_bn(cin, cout, 3, stride, 1)
        self.rbr_1x1 = conv_bn(cin, cout, 1, stride, 0)

    def forward(self, x):
        out = self.rbr_dense(x) + self.rbr_1x1(x)
        if self.rbr_identity is not None:
            out = out + self.rbr_identity(x)
        return F.relu(out)


class RepVGG(nn.Module):
    def __init__(self, num_blocks, width, num_classes):
        super().__init__()
        planes = min(64, int(64 * width[0]))
        self.stage0 = RepVGGBlock(3, planes, 2)
        stages = []
        for i, (n, base) in enumerate(zip(num_blocks, (64, 128, 256, 512))):
            out = int(base * width[i])
            blocks = []
            for j in range(n):
                blocks.append(RepVGGBlock(planes, out, 2 if j == 0 else 1))
                planes = out
            stages.append(nn.Sequential(*blocks))
        self.stage1, self.stage2, self.stage3, self.stage4 = stages
        self.linear = nn.Linear(planes, num_classes)

    def forward(self, x):
        for stage in (self.stage0, self.stage1, self.stage2, self.stage3, self.stage4):
            x = stage(x)
        return self.linear(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def learning_rate(base, total, warmup, step):
    if step < warmup:
        return base * (step + 1) / warmup
    span = total - warmup
    if span <= 0:
        return base
    t = min(step - warmup, span) / span
    return base * (1 + math.cos(math.pi * t)) / 2


def augment(images, padding, generator):
    """Zero pad + random crop and a random horizontal flip of a uint8 batch [N, H, W]."""
    n, h, w = images.shape
    padded = F.pad(images, (padding, padding, padding, padding))
    oy = torch.randint(0, 2 * padding + 1, (n,), generator=generator)
    ox = torch.randint(0, 2 * padding + 1, (n,), generator=generator)
    rows = (oy[:, None] + torch.arange(h))[:, :, None]
    cols = (ox[:, None] + torch.arange(w))[:, None, :]
    out = padded[torch.arange(n)[:, None, None], rows, cols]
    flip = torch.rand(n, generator=generator) < 0.5
    return torch.where(flip[:, None, None], out.flip(-1), out)


def to_input(images, mean, std):
    x = (images.float() / 255 - mean) / std
    return x[:, None].expand(-1, 3, -1, -1).contiguous()


def evaluate(model, images, labels, mean, std, device):
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, len(images), 100):
            x = to_input(images[i : i + 100], mean, std).to(device)
            correct += (model(x).argmax(1).cpu() == labels[i : i + 100]).sum().item()
    model.train()
    return correct / len(images)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="cpu")
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()
    started = time.perf_counter()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    device = torch.device(a.device)

    train_x = torch.from_numpy(read_idx(os.path.join(a.data, "train-images-idx3-ubyte.gz")).copy())
    train_y = torch.from_numpy(read_idx(os.path.join(a.data, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    test_x = torch.from_numpy(read_idx(os.path.join(a.data, "t10k-images-idx3-ubyte.gz")).copy())
    test_y = torch.from_numpy(read_idx(os.path.join(a.data, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    pixels = train_x.double() / 255
    mean, std = pixels.mean().item(), pixels.std(unbiased=False).item()

    model = RepVGG([1, 2, 2, 1], [0.25] * 4, 10).to(device)
    bns = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    for bn in bns:
        # each replica's forward leaves its own statistics; the step then moves the running ones once
        bn.momentum = 1.0
    decay = [v for k, v in model.named_parameters() if "bias" not in k and "bn" not in k]
    no_decay = [v for k, v in model.named_parameters() if "bias" in k or "bn" in k]
    optimizer = torch.optim.SGD(
        [{"params": decay, "weight_decay": 1e-4}, {"params": no_decay, "weight_decay": 0}],
        lr=0.1,
        momentum=0.9,
    )

    global_batch, replicas = 128, 2
    per = global_batch // replicas
    steps_per_epoch = len(train_x) // global_batch
    total = a.epochs * steps_per_epoch
    warmup = round(0.5 * steps_per_epoch)
    generator = torch.Generator().manual_seed(a.seed)
    history = []
    train_seconds = 0.0
    step = 0
    for epoch in range(a.epochs):
        t0 = time.perf_counter()
        order = torch.randperm(len(train_x), generator=generator)
        loss_sum, correct = 0.0, 0
        for s in range(steps_per_epoch):
            idx = order[s * global_batch : (s + 1) * global_batch]
            images = augment(train_x[idx], 2, generator)
            x = to_input(images, mean, std).to(device)
            y = train_y[idx].to(device)
            for group in optimizer.param_groups:
                group["lr"] = learning_rate(0.1, total, warmup, step)
            optimizer.zero_grad(set_to_none=True)
            before = [(bn.running_mean.clone(), bn.running_var.clone()) for bn in bns]
            sums = [(torch.zeros_like(m), torch.zeros_like(v)) for m, v in before]
            for r in range(replicas):
                logits = model(x[r * per : (r + 1) * per])
                loss = F.cross_entropy(logits, y[r * per : (r + 1) * per], reduction="sum") / global_batch
                loss.backward()
                loss_sum += loss.item() * global_batch
                correct += (logits.argmax(1) == y[r * per : (r + 1) * per]).sum().item()
                for (sm, sv), bn in zip(sums, bns):
                    sm += bn.running_mean
                    sv += bn.running_var
            with torch.no_grad():
                for (m0, v0), (sm, sv), bn in zip(before, sums, bns):
                    bn.running_mean.copy_(0.9 * m0 + 0.1 * sm / replicas)
                    bn.running_var.copy_(0.9 * v0 + 0.1 * sv / replicas)
            optimizer.step()
            step += 1
        seconds = time.perf_counter() - t0
        train_seconds += seconds
        top1 = evaluate(model, test_x, test_y, mean, std, device)
        images_seen = steps_per_epoch * global_batch
        history.append(
            {
                "epoch": epoch,
                "trainLoss": loss_sum / images_seen,
                "trainTop1": correct / images_seen,
                "trainImagesPerSec": images_seen / seconds,
                "seconds": seconds,
                "testTop1": top1,
            }
        )
        print(f"peer: epoch {epoch + 1}/{a.epochs} {images_seen / seconds:.0f} img/s, test top-1 {top1:.4f}", file=sys.stderr)
    print(
        json.dumps(
            {
                "torch": torch.__version__,
                "threads": torch.get_num_threads(),
                "device": str(device),
                "epochs": a.epochs,
                "trainSeconds": train_seconds,
                "wallSeconds": time.perf_counter() - started,
                "trainImagesPerSec": a.epochs * steps_per_epoch * global_batch / train_seconds,
                "top1": history[-1]["testTop1"],
                "history": history,
            }
        )
    )


if __name__ == "__main__":
    main()
