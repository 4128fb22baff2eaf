"""Kernel models of -ICOHP per bond type: kernel, fitting, tuning, validation, model files."""
