"""The exercises, one module per chapter of the curriculum; importing this registers them all."""

from comparisons.selfcheck.exercises import (
    autograd,
    basics,
    cnn,
    data,
    debugging,
    modules,
    resnet_vit,
    rnn,
    tensor,
    training,
)
