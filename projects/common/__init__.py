"""Shared training tools for the projects, one concept per module.

- ``seeding``: seeds and the RNG states a checkpoint carries
- ``device``: device choice and CPU thread count
- ``data_root``: where offline data is looked for, and the one "data missing" error
- ``mnist_data``, ``cifar_data``, ``text_data``: dataset readers (tensors kept in memory)
- ``tokenizers``, ``vocab``: word / Chinese character tokenizers and the vocabulary
- ``image_data``: in-memory image datasets (normalized once, or augmented per sample)
- ``loaders``: DataLoaders whose batches are identical for any number of processes; length buckets
- ``callbacks``: the hook API of the training loop (``Callback``, ``TrainState``)
- ``trainer``: train / evaluate loops with tqdm progress bars
- ``tensorboard_logging``: the TensorBoard callback (scalars, LR, histograms, images)
- ``atomic``: temp-file-and-rename writes
- ``checkpoint``: atomic checkpoints with every state needed for an exact ``--resume``
- ``schedules``: cosine, one-cycle, step and warmup learning-rate schedules
- ``amp``: autocast and GradScaler choice (fp16 on CUDA, bf16 on CPU)
- ``distributed``: DistributedDataParallel under ``torchrun``
- ``run_outputs``: metrics.json, curve and confusion-matrix PNGs
- ``cli``: the flags every project shares, and the extension point for other tools
- ``experiment``: puts the pieces together for one run
"""
