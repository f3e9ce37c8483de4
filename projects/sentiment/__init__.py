"""Text sentiment: embedding + (bi)LSTM/GRU classifier on packed sequences
(``python -m projects.sentiment``)."""
