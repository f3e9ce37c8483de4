"""The exercises, one module per chapter of the curriculum; importing this registers them all."""

from comparisons.selfcheck.exercises import (
    autograd,
    basics,
    cifar10,
    cnn,
    data,
    debugging,
    mnist,
    modules,
    resnet_vit,
    rnn,
    sentiment,
    tensor,
    training,
)
