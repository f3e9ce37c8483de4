"""Debugging and visualization tools for torch models and minitorch models, one concept per module.

Everything is built on the hook API both engines share (forward hooks on modules, gradient hooks
on tensors, handles with ``remove()``). Read in this order:

- ``engine``: the thin torch/minitorch adapter (to NumPy, grad mode, eval mode)
- ``hooks``: forward hooks that are always removed; layer lookup and default layer choice
- ``feature_maps``: a layer's output channels as a grid per image
- ``gradcam``: Grad-CAM (forward hook + tensor hook), bilinear upsampling, overlays
- ``gradient_flow``: gradient norms, activation mean/std, dead ReLUs, update-to-weight ratios
- ``detectors``: NaN/inf loss with the first bad layer, exploding/vanishing gradients, plateaus
- ``lr_finder``: the learning-rate range test (torch)
- ``figures``: atomic PNG writes, network inputs back to pictures
- ``image_report``: feature maps and Grad-CAM for sample images of a dataset
- ``training``: the flags as plain calls in the projects' training loops
- ``cli``: the projects' ``--health-every``, ``--detect``, ``--feature-maps``, ``--gradcam`` flags
- ``checkpoints`` and ``__main__``: ``python -m projects.diagnostics <tool> --checkpoint ...``

Loss/accuracy curves and the confusion matrix are the projects' own (``projects.common.run_outputs``).
"""
