"""Translation tables, one module per language other than English (the English text in the code
is the message id): `zh.py` for Chinese."""
