"""TensorBoard logging as a callback: step loss and learning rate, epoch metrics, histograms of
weights and gradients, and a grid of sample input images.

View with ``tensorboard --logdir runs/``.
"""

from __future__ import annotations

import torch

from projects.common.callbacks import Callback, TrainState


class TensorBoardLogger(Callback):
    """Writes to ``state.writer`` (present on the main process only)."""

    def __init__(self, log_every: int = 50, histogram_every: int = 1, sample_images: int = 32) -> None:
        self.log_every = log_every
        self.histogram_every = histogram_every
        self.sample_images = sample_images

    def on_train_begin(self, state: TrainState) -> None:
        if state.writer is None or state.eval_loader is None or not self.sample_images:
            return
        dataset = state.eval_loader.dataset  # read directly: a loader iterator would draw RNG
        inputs = [dataset[i][0] for i in range(min(self.sample_images, len(dataset)))]
        if all(isinstance(x, torch.Tensor) and x.dim() == 3 for x in inputs):
            images = torch.stack(inputs).float()
            lo = images.amin(dim=(1, 2, 3), keepdim=True)
            hi = images.amax(dim=(1, 2, 3), keepdim=True)
            state.writer.add_images("samples/eval_inputs", (images - lo) / (hi - lo + 1e-8), state.step)

    def on_batch_end(self, state: TrainState) -> None:
        if state.writer is None or state.step % self.log_every:
            return
        state.writer.add_scalar("train/loss_step", state.loss.item(), state.step)
        for i, group in enumerate(state.optimizer.param_groups):
            state.writer.add_scalar(f"train/lr_group{i}", group["lr"], state.step)

    def on_epoch_end(self, state: TrainState) -> None:
        if state.writer is None:
            return
        epoch = state.epoch + 1
        for key, value in state.metrics.items():
            if key != "epoch":
                state.writer.add_scalar(f"epoch/{key}", value, epoch)
        if self.histogram_every and epoch % self.histogram_every == 0:
            for name, p in state.model.named_parameters():
                state.writer.add_histogram(f"weights/{name}", p.detach().float().cpu(), epoch)
                if p.grad is not None:
                    state.writer.add_histogram(f"grads/{name}", p.grad.float().cpu(), epoch)
        state.writer.flush()
