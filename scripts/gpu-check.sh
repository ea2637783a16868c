#!/usr/bin/env bash
# Run on a machine with an NVIDIA GPU, from a checkout of repvgg-dist (see bench/gpu.md):
#   scripts/gpu-check.sh [--skip-install] [--epochs N]
# Installs @tensorflow/tfjs-node-gpu (its install downloads libtensorflow 2.9.1 with CUDA 11.2 /
# cuDNN 8.1 support), checks that tf.getBackend() is 'tensorflow' on a GPU, then runs the compute,
# train, gpu-lane and PyTorch peer benches and copies their results to bench/results/gpu/.
set -euo pipefail
cd "$(dirname "$0")/.."

install=1
epochs=1
while [ $# -gt 0 ]; do
  case "$1" in
    --skip-install) install=0 ;;
    --epochs) epochs="$2"; shift ;;
    *) echo "gpu-check: unknown argument $1 (use --skip-install, --epochs N)" >&2; exit 2 ;;
  esac
  shift
done

say() { printf '\n== %s\n' "$*"; }

say "GPU"
if ! nvidia-smi -L; then
  echo "gpu-check: nvidia-smi lists no GPU: install the NVIDIA driver (the CUDA runtime comes with Dockerfile.gpu or NVIDIA's apt repository)" >&2
  exit 1
fi
# One worker per GPU: pin this check to the first one unless the caller chose.
export CUDA_VISIBLE_DEVICES="${CUDA_VISIBLE_DEVICES:-0}"
# Every process that loads libtensorflow (a worker and its lane process) would otherwise reserve
# nearly all of the GPU's memory at its first op.
export TF_FORCE_GPU_ALLOW_GROWTH=true

if [ "$install" = 1 ]; then
  say "install @tensorflow/tfjs-node-gpu (downloads libtensorflow, ~400 MB)"
  npm install --no-save --include=optional @tensorflow/tfjs-node-gpu@4.22.0
fi

say "build"
npm run build --silent

say "backend"
node -e "
const { initBackend, nativeBindingPresent } = require('./dist/libs/repvgg/src/compute/backend');
const { tf } = require('./dist/libs/repvgg/src/compute/tf');
(async () => {
  if (!nativeBindingPresent('@tensorflow/tfjs-node-gpu')) throw new Error('@tensorflow/tfjs-node-gpu has no tfjs_binding.node: its install script did not run or failed (rerun without --skip-install, read its output)');
  const info = await initBackend('tensorflow');
  tf.tidy(() => tf.matMul(tf.ones([256, 256]), tf.ones([256, 256])).dataSync());
  const gpu = tf.backend().isUsingGpuDevice;
  console.log('tf.getBackend() =', tf.getBackend(), '(' + info.package + '), GPU device:', gpu);
  if (tf.getBackend() !== 'tensorflow' || info.package !== '@tensorflow/tfjs-node-gpu' || gpu !== true) {
    throw new Error('not computing on a GPU with tfjs-node-gpu: check the CUDA 11.2 / cuDNN 8.1 libraries on LD_LIBRARY_PATH (libtensorflow logs what it could not load above)');
  }
})().catch((e) => { console.error('gpu-check: ' + e.message); process.exit(1); });
"

say "lanes: a training step on this thread and on a worker's lanes (child process)"
npm run bench --silent -- gpu tensorflow

say "compute bench (forward + backward, mini model) on tensorflow"
npm run bench --silent -- compute tensorflow

say "train bench (forward + backward + SGD) on tensorflow"
REPVGG_BACKEND=tensorflow npm run bench --silent -- train

say "peer bench: repvgg train vs PyTorch on the Fashion-MNIST preset, $epochs epoch(s)"
python="$(command -v python3 || echo /usr/bin/python3)"
if "$python" -c 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)' 2>/dev/null; then
  REPVGG_BACKEND=tensorflow npm run bench --silent -- peer --epochs "$epochs" --device cuda --python "$python"
else
  echo "gpu-check: $python has no CUDA-enabled torch: the peer bench runs PyTorch on the CPU (or skips it)"
  REPVGG_BACKEND=tensorflow npm run bench --silent -- peer --epochs "$epochs" --python "$python"
fi

mkdir -p bench/results/gpu
for name in gpu compute train peer; do
  for ext in json md; do
    [ -f "bench/results/$name.$ext" ] && cp "bench/results/$name.$ext" "bench/results/gpu/$name.$ext"
  done
done
say "done: results in bench/results/gpu/ (send them with the output of nvidia-smi)"
