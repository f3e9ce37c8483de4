"""Shared training tools for the projects: plain functions a project's loop calls, one concept
per module. The loop itself lives in each project's ``__main__.py``.

- ``seeding``: seeds and the RNG states a checkpoint carries
- ``device``: device choice and CPU thread count
- ``data_root``: where offline data is looked for, and the one "data missing" error
- ``mnist_data``, ``cifar_data``, ``text_data``: dataset readers (tensors kept in memory)
- ``tokenizers``, ``vocab``: word / Chinese character tokenizers and the vocabulary
- ``image_data``: in-memory image datasets (normalized once, or augmented per sample)
- ``loaders``: DataLoaders whose batches are identical for any number of processes; length buckets
- ``schedules``: the optimizer, and cosine, one-cycle, step and warmup learning-rate schedules
- ``amp``: autocast and GradScaler choice (fp16 on CUDA, bf16 on CPU)
- ``distributed``: DistributedDataParallel under ``torchrun``
- ``evaluation``: loss, accuracy and confusion matrix over a loader
- ``atomic``: temp-file-and-rename writes, and clearing what a killed write left
- ``checkpoint``: atomic checkpoints with every state needed for an exact ``--resume``
- ``tensorboard_logging``: the run's TensorBoard writer (scalars, LR, histograms, images, config)
- ``wandb_mirror``: the same, mirrored to Weights & Biases (``--wandb``, offline by default)
- ``run_outputs``: the run folder; metrics.json, curve and confusion-matrix PNGs
- ``errors``: the errors a user can fix, each one message and exit status 2
- ``cli``: the flags every project shares
"""
