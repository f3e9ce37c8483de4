#!/usr/bin/env bash
# The kernels' GPU checks as one prepared run, for a machine with a CUDA GPU and torch, triton,
# torchvision, pytest, hypothesis and matplotlib installed (a lent device machine has them; its
# versions may differ from the pins, so they are recorded first).
#
#   bash benchmarks/gpu_check.sh OUT_DIR [SWEEP_SECONDS] [benchmark options, e.g. --quick]
#
# 1. the GPU-only kernel tests (autotuned matmul in each dtype, TF32, a ResNet-50 layer's
#    three conv kernels), stopped after 150 s, 2. the benchmark sweep against cuBLAS/cuDNN,
#    stopped after SWEEP_SECONDS (default 420: the whole run fits a 10-minute command); the
#    sweep rewrites OUT_DIR/kernels/kernels.md after every row, so a stopped sweep still leaves
#    its rows (largest and target shapes come first).
set -uo pipefail
out=${1:?usage: bash benchmarks/gpu_check.sh OUT_DIR [SWEEP_SECONDS] [benchmark options]}
sweep_seconds=${2:-420}
shift $(( $# > 1 ? 2 : 1 ))
mkdir -p "$out"
export PYTHONUNBUFFERED=1
python=${PYTHON:-python3}  # the interpreter that has torch (a device machine's python3)
"$python" -c "import sys, torch, triton; print('python', sys.version.split()[0], '| torch',
torch.__version__, '| triton', triton.__version__, '|', torch.cuda.get_device_name()
if torch.cuda.is_available() else 'no CUDA GPU')" | tee "$out/versions.txt"
timeout 150 "$python" -m pytest -q -m gpu -p no:cacheprovider tests/kernels/test_kernels_matmul.py \
    tests/kernels/test_kernels_conv2d.py 2>&1 | tee "$out/gpu-tests.txt"
tests=${PIPESTATUS[0]}
timeout "$sweep_seconds" "$python" -m benchmarks.kernels --out "$out/kernels" "$@" 2>&1 \
    | tee "$out/benchmark.txt"
sweep=${PIPESTATUS[0]}
echo "gpu tests exit $tests, sweep exit $sweep (124: stopped by its time limit)"
[ "$tests" -eq 0 ] && [ "$sweep" -eq 0 ]
