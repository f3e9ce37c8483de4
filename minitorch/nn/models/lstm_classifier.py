"""A text classifier: Embedding -> LSTM -> a sentence vector -> Linear.

    ids (B, T) int, padded with `padding_idx` at the END of each sequence
    embedding  (B, T, embed_dim)       (the padding row is zeros and gets no gradient)
    rnn        LSTM, batch_first, optionally bidirectional: outputs (B, T, H * dirs)
    pooling    "last": the final hidden state, both directions joined (B, H * dirs)
               "mean": the mean of the outputs over the real (non-padding) tokens
    fc         Linear -> (B, num_classes)

minitorch has no packed sequences, so the LSTM also reads the padding. With padding at the
end, the forward direction's outputs at real tokens do not see it, which is why "mean" pools
only those positions; "last" (and the backward direction) do read the padding: compare
sentences in equally padded batches, or use "mean". (The sentiment project's torch model packs
the sequences instead; its submodules have the same names: embedding, rnn, dropout, fc.)
"""

from __future__ import annotations

from minitorch.nn.dropout import Dropout
from minitorch.nn.linear import Linear
from minitorch.nn.module import Module
from minitorch.nn.rnn import LSTM
from minitorch.nn.sparse import Embedding
from minitorch.ops.shape import cat
from minitorch.tensor import Tensor


class LSTMClassifier(Module):
    """Embedding (with padding_idx) -> LSTM -> pooling ("last" or "mean") -> dropout -> Linear."""

    def __init__(self, vocab_size: int, num_classes: int = 2, embed_dim: int = 128, hidden_size: int = 128,
                 num_layers: int = 1, bidirectional: bool = False, dropout: float = 0.0,
                 padding_idx: int = 0, pooling: str = "last") -> None:
        super().__init__()
        if pooling not in ("last", "mean"):
            raise ValueError(f"LSTMClassifier: pooling must be 'last' or 'mean', got {pooling!r}")
        self.pooling, self.padding_idx = pooling, padding_idx
        self.embedding = Embedding(vocab_size, embed_dim, padding_idx=padding_idx)
        self.rnn = LSTM(embed_dim, hidden_size, num_layers, batch_first=True, bidirectional=bidirectional,
                        dropout=dropout if num_layers > 1 else 0.0)
        self.dropout = Dropout(dropout)
        self.fc = Linear(hidden_size * (2 if bidirectional else 1), num_classes)

    def forward(self, ids: Tensor) -> Tensor:
        """ids (B, T) -> logits (B, num_classes)."""
        if ids.ndim != 2 or ids.dtype.kind not in "iu":
            raise ValueError(f"LSTMClassifier: expected integer token ids of shape (B, T), got "
                             f"{ids.dtype} of shape {ids.shape}")
        out, (h_n, _) = self.rnn(self.embedding(ids))
        if self.pooling == "last":
            directions = 2 if self.rnn.bidirectional else 1
            features = cat([h_n[-directions + d] for d in range(directions)], 1)
        else:
            real = (ids != self.padding_idx).to(out.dtype).unsqueeze(-1)  # (B, T, 1)
            features = (out * real).sum(1) / real.sum(1).clamp(min=1)
        return self.fc(self.dropout(features))
