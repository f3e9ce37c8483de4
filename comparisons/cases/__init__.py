"""Parity cases, one module per family. Importing a module registers its cases."""
