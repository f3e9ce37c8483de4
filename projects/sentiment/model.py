"""Word dropout -> embedding -> (bi)LSTM or GRU over packed sequences -> pooling -> dropout -> linear."""

from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class RNNClassifier(nn.Module):
    """Classify a padded batch of token ids given each sequence's length.

    Packing (``pack_padded_sequence``) makes the RNN skip the padding, so the result for a
    sentence does not depend on how long the other sentences in its batch are. ``pooling="max"``
    takes the maximum over time of the outputs; ``"last"`` the final hidden state of the top
    layer (both directions when bidirectional).

    Word dropout (training only): each token becomes ``<unk>`` with probability
    ``word_dropout``, so the ``<unk>`` embedding is trained (test texts hold words the vocabulary
    never saw: about 5% of the tokens of SST-2's test set) and no single word decides alone.
    """

    def __init__(
        self,
        vocab_size: int,
        classes: int = 2,
        embed_dim: int = 128,
        hidden: int = 128,
        layers: int = 1,
        cell: str = "lstm",
        bidirectional: bool = True,
        dropout: float = 0.5,
        pooling: str = "max",
        word_dropout: float = 0.0,
        unk_index: int = 1,
    ) -> None:
        super().__init__()
        if cell not in ("lstm", "gru") or pooling not in ("max", "last"):
            raise ValueError(f"RNNClassifier: cell {cell!r} / pooling {pooling!r} not supported")
        self.pooling, self.word_dropout, self.unk_index = pooling, word_dropout, unk_index
        self.embedding = nn.Embedding(vocab_size, embed_dim, padding_idx=0)
        rnn_cls = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = rnn_cls(
            embed_dim,
            hidden,
            num_layers=layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if layers > 1 else 0.0,
        )
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(hidden * (2 if bidirectional else 1), classes)

    def forward(self, ids: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """``ids`` (B, T) padded with 0, ``lengths`` (B,) -> logits (B, classes)."""
        if self.training and self.word_dropout > 0:
            dropped = (torch.rand(ids.shape, device=ids.device) < self.word_dropout) & (ids != 0)
            ids = ids.masked_fill(dropped, self.unk_index)
        x = self.dropout(self.embedding(ids))
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, h = self.rnn(packed)
        if self.pooling == "max":
            padded, _ = pad_packed_sequence(out, batch_first=True, padding_value=float("-inf"))
            features = padded.max(dim=1).values
        else:
            h = h[0] if isinstance(h, tuple) else h  # LSTM returns (h, c)
            directions = 2 if self.rnn.bidirectional else 1
            features = torch.cat(list(h[-directions:]), dim=1)
        return self.fc(self.dropout(features))
